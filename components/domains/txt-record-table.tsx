import type { Domain } from "@/components/domains/types";
import { CopyButton } from "@/components/ui/copy-button";

// The DNS record to create, one row per field, each value copyable: a
// row-per-field table stays readable on a phone, where three columns of
// long values would not.
export function TxtRecordTable({ domain }: { domain: Domain }) {
  const { type, name, value } = domain.txtRecord;
  const rows = [
    { field: "Type", value: type, copy: false },
    { field: "Name", value: name, copy: true },
    { field: "Value", value, copy: true },
  ];
  return (
    <table className="w-full table-fixed text-sm" data-testid="txt-record">
      <caption className="sr-only">DNS record to create for {domain.displayHostname}</caption>
      <colgroup>
        <col className="w-16 sm:w-20" />
        <col />
        <col className="w-[5.5rem]" />
      </colgroup>
      <tbody className="divide-y divide-zinc-200">
        {rows.map((row) => (
          <tr key={row.field}>
            <th scope="row" className="py-2 pr-3 text-left align-top text-xs font-medium tracking-wide text-zinc-500 uppercase">
              {row.field}
            </th>
            <td className="py-2 pr-2 align-top font-mono text-[13px] break-all text-zinc-900" data-testid={`txt-${row.field.toLowerCase()}`}>
              {row.value}
            </td>
            <td className="py-1 text-right align-top">
              {row.copy && <CopyButton value={row.value} compact srLabel={`Copy the record's ${row.field.toLowerCase()}`} />}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
