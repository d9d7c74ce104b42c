"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextField } from "@/components/ui/field";
import { useHydrated } from "@/components/ui/use-hydrated";

export function SignInForm({ callbackUrl, joined }: { callbackUrl: string; joined: boolean }) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const res = await signIn("credentials", { redirect: false, email, password }).catch(() => undefined);
    if (res?.ok && !res.error) {
      router.push(callbackUrl);
      return;
    }
    setPending(false);
    setError(
      res?.error === "CredentialsSignin"
        ? "Email or password is incorrect."
        : res?.error?.startsWith("Too many failed sign-ins")
          ? res.error
          : "Signing in failed. Try again in a moment.",
    );
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      {joined && !error && <Alert tone="success">You joined the team. Sign in to continue.</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
      <TextField
        id="email"
        label="Email"
        type="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        autoComplete="username"
        required
        autoFocus
      />
      <TextField
        id="password"
        label="Password"
        type="password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        autoComplete="current-password"
        required
      />
      <Button type="submit" pending={pending} disabled={!hydrated} className="w-full">
        Sign in
      </Button>
    </form>
  );
}
