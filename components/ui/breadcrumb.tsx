import Link from "next/link";
import { Fragment } from "react";

// Where the page sits: links up the hierarchy, then the current page.
export function Breadcrumb({ trail, current }: { trail: { href: string; label: string }[]; current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-2 min-w-0 text-sm text-zinc-500">
      <ol className="flex flex-wrap items-center gap-x-1.5">
        {trail.map((item) => (
          <Fragment key={item.href}>
            <li className="min-w-0">
              <Link href={item.href} className="hover:text-zinc-800 hover:underline">
                {item.label}
              </Link>
            </li>
            <li aria-hidden="true">/</li>
          </Fragment>
        ))}
        <li aria-current="page" className="min-w-0 text-zinc-700 [overflow-wrap:anywhere]">
          {current}
        </li>
      </ol>
    </nav>
  );
}
