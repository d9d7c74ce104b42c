import type { FieldErrors } from "@/components/lib/api-fetch";
import { Alert } from "@/components/ui/alert";

type Props = { error: Error | null; fields: FieldErrors; shownFields: string[] };

// The message above a form. When the form already shows field messages inline,
// the summary points at them instead of repeating them.
export function FormError({ error, fields, shownFields }: Props) {
  if (!error) return null;
  const inline = shownFields.filter((f) => fields[f]).length;
  if (inline === 0) return <Alert tone="error">{error.message}</Alert>;
  return (
    <Alert tone="error">
      {inline === 1 ? "One field needs a change" : `${inline} fields need a change`}; see the messages below.
    </Alert>
  );
}
