import { headers } from "next/headers";

// Rendered on the server for every request (it reads the request's headers).
export default async function Home() {
  const h = await headers();
  const renderedAt = new Date().toISOString();
  return (
    <main>
      <h1>{process.env.GREETING || "Hello from Next.js"}</h1>
      <p>
        Rendered on the server at <time data-testid="rendered-at">{renderedAt}</time> for{" "}
        <span data-testid="host">{h.get("x-forwarded-host") ?? h.get("host")}</span>.
      </p>
    </main>
  );
}
