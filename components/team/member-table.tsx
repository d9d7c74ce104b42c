"use client";

import type { Role } from "@/lib/generated/prisma/enums";
import { useChangeMemberRole, type Member } from "@/components/team/queries";
import { ROLE_LABEL, assignableRoles } from "@/components/team/roles";
import { Alert } from "@/components/ui/alert";
import { selectClasses } from "@/components/ui/field";
import { RelativeTime } from "@/components/ui/relative-time";

type Props = { teamId: string; meId: string; actorRole: Role; members: Member[]; editable: boolean };

export function MemberTable({ teamId, meId, actorRole, members, editable }: Props) {
  const change = useChangeMemberRole(teamId);
  return (
    <div className="space-y-3">
      {change.error && <Alert tone="error">{change.error.message}</Alert>}
      <div className="overflow-x-auto rounded-lg border border-zinc-200 bg-white shadow-sm">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-zinc-200 bg-zinc-50 text-xs text-zinc-500">
            <tr>
              <th scope="col" className="px-4 py-2.5 font-medium">Member</th>
              <th scope="col" className="w-36 px-4 py-2.5 font-medium sm:w-44">Role</th>
              <th scope="col" className="hidden w-36 px-4 py-2.5 font-medium sm:table-cell">Joined</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200">
            {members.map((m) => (
              <tr key={m.user.id}>
                <td className="px-4 py-3">
                  <p className="font-medium text-zinc-900">
                    {m.user.name}
                    {m.user.id === meId && <span className="ml-1.5 text-xs font-normal text-zinc-500">(you)</span>}
                  </p>
                  <p className="text-xs [overflow-wrap:anywhere] text-zinc-500">{m.user.email}</p>
                </td>
                <td className="px-4 py-3">
                  {editable ? (
                    <RoleSelect
                      member={m}
                      actorRole={actorRole}
                      pendingRole={change.isPending && change.variables.userId === m.user.id ? change.variables.role : null}
                      onChange={(role) => change.mutate({ userId: m.user.id, role })}
                    />
                  ) : (
                    <span className="text-zinc-700">{ROLE_LABEL[m.role]}</span>
                  )}
                </td>
                <td className="hidden px-4 py-3 text-zinc-600 sm:table-cell">
                  <RelativeTime value={m.createdAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type RoleSelectProps = { member: Member; actorRole: Role; pendingRole: Role | null; onChange: (role: Role) => void };

// Admins cannot change an owner's role, so for them an owner's select is disabled.
// While a change is saving, the select shows the role being saved.
function RoleSelect({ member, actorRole, pendingRole, onChange }: RoleSelectProps) {
  const options = assignableRoles(actorRole);
  const locked = !options.includes(member.role);
  const id = `member-role-${member.user.id}`;
  return (
    <>
      <label htmlFor={id} className="sr-only">
        Access for {member.user.email}
      </label>
      <select
        id={id}
        value={pendingRole ?? member.role}
        disabled={locked || pendingRole !== null}
        title={locked ? "Only an owner can change an owner's role." : undefined}
        onChange={(e) => onChange(e.target.value as Role)}
        className={`${selectClasses()} py-1.5`}
      >
        {(locked ? [member.role] : options).map((r) => (
          <option key={r} value={r}>
            {ROLE_LABEL[r]}
          </option>
        ))}
      </select>
    </>
  );
}
