"use client";

import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from "react";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

type Props = {
  title: string;
  description?: ReactNode;
  onClose: () => void;
  // While something is saving the dialog stays open: Escape does nothing.
  dismissible?: boolean;
  // Room for a list or a comparison, not just a question.
  wide?: boolean;
  children: ReactNode;
};

// A modal dialog, mounted while open. The native <dialog> makes the page behind
// it inert; on top of that Tab cycles inside it, Escape closes it, the element
// marked data-autofocus (or the first control) gets focus, and focus returns to
// whatever opened it.
export function Dialog({ title, description, onClose, dismissible = true, wide = false, children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  const onCloseRef = useRef(onClose);
  const dismissibleRef = useRef(dismissible);
  useEffect(() => {
    onCloseRef.current = onClose;
    dismissibleRef.current = dismissible;
  });

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  function onKeyDown(e: KeyboardEvent<HTMLDialogElement>) {
    if (e.key === "Escape") {
      e.preventDefault();
      if (dismissibleRef.current) onCloseRef.current();
      return;
    }
    if (e.key !== "Tab") return;
    const focusable = [...e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    if (focusable.length === 0) return;
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (e.shiftKey && (document.activeElement === first || !e.currentTarget.contains(document.activeElement))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      aria-describedby={description ? descriptionId : undefined}
      onKeyDown={onKeyDown}
      // The browser may still close it (a second Escape): keep the parent's state in step.
      onCancel={(e) => {
        e.preventDefault();
        if (dismissibleRef.current) onCloseRef.current();
      }}
      onClose={(e) => {
        if (!e.currentTarget.open) onCloseRef.current();
      }}
      className={`m-auto max-h-[calc(100dvh-2rem)] w-[calc(100%-2rem)] ${wide ? "max-w-2xl" : "max-w-lg"} overflow-y-auto rounded-lg border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-zinc-950/40`}
    >
      <div className="space-y-4 p-5 sm:p-6">
        <div className="space-y-1">
          <h2 id={titleId} className="text-lg font-semibold text-zinc-900">
            {title}
          </h2>
          {description && (
            <div id={descriptionId} className="text-sm text-zinc-600">
              {description}
            </div>
          )}
        </div>
        {children}
      </div>
    </dialog>
  );
}
