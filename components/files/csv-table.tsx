"use client";

import type { CsvTable as CsvTableData } from "./parse-csv";

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
