import type { PendingInvitation } from "@/components/team/queries";
import { ROLE_LABEL } from "@/components/team/roles";
import { RelativeTime } from "@/components/ui/relative-time";

export function InvitationList({ invitations }: { invitations: PendingInvitation[] }) {
  if (invitations.length === 0) {
    return <p className="text-sm text-zinc-500">No invitations are waiting to be accepted.</p>;
  }
  return (
    <ul className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 bg-white shadow-sm">
      {invitations.map((i) => (
        <li key={i.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 px-4 py-3 text-sm">
          <span className="min-w-0 break-all text-zinc-900">{i.email}</span>
          <span className="text-zinc-600">
            {ROLE_LABEL[i.role]} · expires <RelativeTime value={i.expiresAt} />
          </span>
        </li>
      ))}
    </ul>
  );
}
