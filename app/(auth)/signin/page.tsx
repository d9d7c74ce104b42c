import type { Metadata } from "next";
import { safeCallbackUrl } from "@/components/auth/callback-url";
import { SignInForm } from "@/components/auth/sign-in-form";
import { AuthCard } from "@/components/shell/auth-card";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<{ callbackUrl?: string | string[]; joined?: string }> };

export default async function SignInPage({ searchParams }: Props) {
  const params = await searchParams;
  return (
    <AuthCard title="Sign in to Slipway">
      <SignInForm callbackUrl={safeCallbackUrl(params.callbackUrl)} joined={params.joined === "1"} />
    </AuthCard>
  );
}
