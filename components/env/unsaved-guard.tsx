"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";

// While `pending` changes wait for Save: closing or reloading the tab gets the
// browser's own "leave site?" prompt, and a click on a link inside the console
// asks first (the click is caught before Next's <Link> sees it).
export function UnsavedGuard({ pending, what }: { pending: number; what: string }) {
  const router = useRouter();
  const [leavingTo, setLeavingTo] = useState<string | null>(null);
  const active = pending > 0;
  const leaving = useRef(false);

  useEffect(() => {
    if (!active) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (leaving.current) return;
      e.preventDefault();
      // Older browsers only ask when returnValue is set.
      e.returnValue = "";
    };
    const onClick = (e: MouseEvent) => {
      if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      const link = (e.target as Element | null)?.closest?.("a[href]");
      if (!(link instanceof HTMLAnchorElement) || link.target === "_blank" || link.hasAttribute("download")) return;
      const url = new URL(link.href, window.location.href);
      if (url.origin !== window.location.origin) return;
      // A link to a spot on this same page leaves nothing behind.
      if (url.pathname === window.location.pathname && url.search === window.location.search) return;
      e.preventDefault();
      e.stopPropagation();
      setLeavingTo(url.pathname + url.search + url.hash);
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    // Capture on window runs before React's listeners on the root, so <Link> never navigates.
    window.addEventListener("click", onClick, true);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      window.removeEventListener("click", onClick, true);
    };
  }, [active]);

  if (!leavingTo || !active) return null;
  return (
    <ConfirmDialog
      title="Leave without saving?"
      confirmLabel="Leave without saving"
      cancelLabel="Stay on this page"
      pending={false}
      error={null}
      onClose={() => setLeavingTo(null)}
      onConfirm={() => {
        leaving.current = true;
        setLeavingTo(null);
        router.push(leavingTo);
      }}
    >
      You have {pending === 1 ? "an unsaved change" : `${pending} unsaved changes`} to {what}. If you leave now,{" "}
      {pending === 1 ? "it is" : "they are"} lost.
    </ConfirmDialog>
  );
}
