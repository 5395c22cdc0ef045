import { describe, expect, it } from "vitest";

import { detectDelimiter, parseCsv } from "@/components/files/parse-csv";

describe("CSV preview parsing", () => {
  it("reads a header and rows", () => {
    expect(parseCsv("name,score\nada,3\ngrace,5\n")).toEqual({ header: ["name", "score"], rows: [["ada", "3"], ["grace", "5"]], delimiter: ",", moreRows: false });
  });

  it("handles quotes, doubled quotes, delimiters and line breaks inside quotes, and CRLF", () => {
    const table = parseCsv('title,note\r\n"Hello, world","She said ""hi"""\r\n"multi\nline",x\r\n');
    expect(table.rows).toEqual([
      ["Hello, world", 'She said "hi"'],
      ["multi\nline", "x"],
    ]);
  });

  it("keeps empty fields, skips blank lines and a byte order mark, and reads a last line without newline", () => {
    expect(parseCsv("\ufeffa,b,c\n1,,3\n\n4,5,").rows).toEqual([
      ["1", "", "3"],
      ["4", "5", ""],
    ]);
  });

  it("detects semicolons and tabs", () => {
    expect(detectDelimiter("a;b;c\n1;2;3")).toBe(";");
    expect(detectDelimiter("a\tb\n1\t2")).toBe("\t");
    expect(detectDelimiter("just one column")).toBe(",");
    expect(parseCsv("Name;Betrag\nMiete;1.200,50\n").rows).toEqual([["Miete", "1.200,50"]]);
  });

  it("stops after the row limit and says more rows exist", () => {
    const text = ["n", ...Array.from({ length: 500 }, (_, i) => String(i))].join("\n");
    const table = parseCsv(text, { maxRows: 200 });
    expect(table.rows).toHaveLength(200);
    expect(table.rows.at(-1)).toEqual(["199"]);
    expect(table.moreRows).toBe(true);
  });

  it("does not claim more rows when exactly the limit is present", () => {
    const text = ["n", ...Array.from({ length: 200 }, (_, i) => String(i))].join("\n") + "\n\n";
    const table = parseCsv(text, { maxRows: 200 });
    expect(table.rows).toHaveLength(200);
    expect(table.moreRows).toBe(false);
  });

  it("drops the incomplete last line of a preview that was cut off", () => {
    const table = parseCsv("a,b\n1,2\n3,4", { textWasCut: true });
    expect(table.rows).toEqual([["1", "2"]]);
    expect(table.moreRows).toBe(true);
  });

  it("keeps the last line of a cut preview that ends on a line break, and drops one cut inside quotes", () => {
    expect(parseCsv("a,b\n1,2\n3,4\n", { textWasCut: true }).rows).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
    expect(parseCsv('a,b\n1,2\n3,"note\nwith a break', { textWasCut: true }).rows).toEqual([["1", "2"]]);
  });

  it("does not count blank lines towards the row limit", () => {
    const table = parseCsv("n\n1\n\n\n2\n3\n", { maxRows: 2 });
    expect(table.rows).toEqual([["1"], ["2"]]);
    expect(table.moreRows).toBe(true);
  });

  it("copes with an empty file and an unterminated quote", () => {
    expect(parseCsv("")).toMatchObject({ header: [], rows: [] });
    expect(parseCsv('a\n"never closed').rows).toEqual([["never closed"]]);
  });
});
