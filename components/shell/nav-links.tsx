"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/projects", label: "Projects" },
  { href: "/team", label: "Team" },
  { href: "/team/audit", label: "Audit", adminOnly: true },
];

// `showAdmin`: the signed-in person is an admin or owner of a team (decided on the server, so the bar never shifts).
export function NavLinks({ showAdmin }: { showAdmin: boolean }) {
  const pathname = usePathname();
  const links = LINKS.filter((l) => showAdmin || !l.adminOnly);
  // The most specific link wins: /team/audit is Audit, not Team.
  const active = links
    .filter(({ href }) => pathname === href || pathname.startsWith(`${href}/`))
    .sort((a, b) => b.href.length - a.href.length)[0]?.href;
  return (
    <nav aria-label="Main" className="flex min-w-0 items-center gap-0.5 sm:gap-1">
      {links.map(({ href, label }) => (
        <Link
          key={href}
          href={href}
          aria-current={href === active ? "page" : undefined}
          className={`rounded-md px-2 py-1.5 text-sm font-medium sm:px-2.5 ${
            href === active ? "bg-zinc-100 text-zinc-900" : "text-zinc-600 hover:bg-zinc-50 hover:text-zinc-900"
          }`}
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}
