import Link from "next/link";
import { AuthCard } from "@/components/shell/auth-card";
import { buttonClasses } from "@/components/ui/button";

export default function NotFound() {
  return (
    <AuthCard title="Page not found" description="There is nothing at this address.">
      <Link href="/projects" className={buttonClasses("secondary", "w-full")}>
        Go to projects
      </Link>
    </AuthCard>
  );
}
