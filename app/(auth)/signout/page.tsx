import type { Metadata } from "next";
import Link from "next/link";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { AuthCard } from "@/components/shell/auth-card";
import { buttonClasses } from "@/components/ui/button";

export const metadata: Metadata = { title: "Sign out" };

export default function SignOutPage() {
  return (
    <AuthCard title="Sign out of Slipway" description="You will need your email and password to sign in again.">
      <div className="space-y-2">
        <SignOutButton />
        <Link href="/projects" className={buttonClasses("ghost", "w-full")}>
          Stay signed in
        </Link>
      </div>
    </AuthCard>
  );
}
