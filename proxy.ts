import { NextResponse, type NextRequest } from "next/server";

// Layouts cannot read the URL, so the console layout learns it from this header
// to send a signed-out visitor to /signin and back to the page they asked for.
export function proxy(request: NextRequest) {
  const headers = new Headers(request.headers);
  headers.set("x-slipway-path", request.nextUrl.pathname + request.nextUrl.search);
  return NextResponse.next({ request: { headers } });
}

export const config = {
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"],
};
