"use client";

import type { ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";

type Props = {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  pending: boolean;
  error: Error | null;
  onConfirm: () => void;
  onClose: () => void;
};

// "Are you sure?" before something that cannot be undone. The safe choice has focus.
export function ConfirmDialog({ title, children, confirmLabel, cancelLabel = "Go back", pending, error, onConfirm, onClose }: Props) {
  return (
    <Dialog title={title} description={children} onClose={onClose} dismissible={!pending}>
      {error && <Alert tone="error">{error.message}</Alert>}
      <div className="flex flex-wrap justify-end gap-2">
        <Button variant="secondary" onClick={onClose} disabled={pending} data-autofocus>
          {cancelLabel}
        </Button>
        <Button variant="danger" onClick={onConfirm} pending={pending}>
          {confirmLabel}
        </Button>
      </div>
    </Dialog>
  );
}
