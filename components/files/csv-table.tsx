"use client";

import { useMemo } from "react";
import { parseCsv, type CsvTable as CsvTableData } from "./parse-csv";

export interface CsvPreviewProps {
  /** The start of the file, as the preview endpoint sent it. */
  text: string;
  delimiter?: string;
  textWasCut: boolean;
}

/** Parses the start of a CSV file and shows it. File previews load this lazily: papaparse comes with it. */
export function CsvPreview({ text, delimiter, textWasCut }: CsvPreviewProps) {
  const table = useMemo(() => parseCsv(text, { maxRows: 200, delimiter, textWasCut }), [text, delimiter, textWasCut]);
  return <CsvTable table={table} />;
}

/** The first rows of a CSV as a scrollable table with a sticky header row. */
export function CsvTable({ table }: { table: CsvTableData }) {
  const columnCount = Math.max(table.header.length, ...table.rows.map((row) => row.length));
  const columns = Array.from({ length: columnCount }, (_, index) => index);
  return (
    <div className="space-y-2">
      <div className="max-h-[28rem] overflow-auto rounded-md border border-border">
        <table data-testid="csv-table" className="min-w-full border-collapse text-left text-xs">
          <thead className="sticky top-0 bg-surface-muted">
            <tr>
              {columns.map((column) => (
                <th key={column} scope="col" className="border-b border-border px-2 py-1.5 font-semibold whitespace-nowrap">
                  {table.header[column] ?? ""}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, rowIndex) => (
              <tr key={rowIndex} className="odd:bg-surface even:bg-surface-muted/40">
                {columns.map((column) => (
                  <td key={column} className="max-w-[16rem] truncate border-b border-border/60 px-2 py-1 whitespace-nowrap" title={row[column]}>
                    {row[column] ?? ""}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="text-xs text-ink-muted">
        {table.rows.length === 0
          ? "Only a header row."
          : table.moreRows
            ? `Showing the first ${table.rows.length} rows. Download the file to see all of it.`
            : `${table.rows.length} ${table.rows.length === 1 ? "row" : "rows"}.`}
      </p>
    </div>
  );
}
