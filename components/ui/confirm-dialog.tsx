"use client";

import type { ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

type Props = {
  title: string;
  // The question's explanation: read out as the dialog's description.
  children: ReactNode;
  // Anything else to look at before deciding (a summary, a list); not part of the description.
  details?: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  // "danger" for what cannot be undone; "primary" for a change that can be reversed the same way.
  tone?: "danger" | "primary";
  confirmDisabled?: boolean;
  wide?: boolean;
  pending: boolean;
  error: Error | null;
  onConfirm: () => void;
  onClose: () => void;
};

// "Are you sure?" before something that changes what users see. The safe choice has focus.
export function ConfirmDialog({
  title,
  children,
  details,
  confirmLabel,
  cancelLabel = "Go back",
  tone = "danger",
  confirmDisabled = false,
  wide = false,
  pending,
  error,
  onConfirm,
  onClose,
}: Props) {
  return (
    <Dialog title={title} description={children} onClose={onClose} dismissible={!pending} wide={wide}>
      {details}
      {error && <Alert tone="error">{error.message}</Alert>}
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onClick={onClose} disabled={pending} data-autofocus>
          {cancelLabel}
        </Button>
        <Button variant={tone} onClick={onConfirm} pending={pending} disabled={confirmDisabled}>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
