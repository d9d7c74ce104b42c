import type { Metadata } from "next";
import { AuthCard } from "@/components/shell/auth-card";
import { AcceptInvitationForm } from "@/components/team/accept-invitation-form";

export const metadata: Metadata = { title: "Join a team", referrer: "no-referrer" };

type Props = { params: Promise<{ token: string }> };

export default async function InvitePage({ params }: Props) {
  const { token } = await params;
  return (
    <AuthCard title="Join your team on Slipway" description="Choose the name your teammates will see and a password.">
      <AcceptInvitationForm token={token} />
    </AuthCard>
  );
}
