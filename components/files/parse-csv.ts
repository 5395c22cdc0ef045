import Papa from "papaparse";

export interface CsvTable {
  /** The first row, used as column titles. */
  header: string[];
  rows: string[][];
  delimiter: string;
  /** True when the text holds more rows than were parsed (or the text itself was cut off). */
  moreRows: boolean;
}

const candidates = [",", ";", "\t", "|"];

/** Spreadsheets in many countries export with ";"; the most frequent candidate in the first line wins. */
export function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  let best = ",";
  let bestCount = 0;
  for (const candidate of candidates) {
    const count = firstLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

const isBlankRecord = (record: string[]) => record.length === 1 && record[0] === "";

/**
 * RFC 4180 parsing by papaparse (quoted fields, doubled quotes, line breaks inside quotes, CRLF or
 * LF) of at most `maxRows` data rows. `textWasCut`: the text is only the start of the file, so its last
 * line may be incomplete and is dropped.
 */
export function parseCsv(text: string, options: { maxRows?: number; delimiter?: string; textWasCut?: boolean } = {}): CsvTable {
  const maxRows = options.maxRows ?? 200;
  const source = text.startsWith("\ufeff") ? text.slice(1) : text;
  const delimiter = options.delimiter ?? detectDelimiter(source);
  const records: string[][] = [];
  let stoppedEarly = false;
  // Papa's skipEmptyLines is left off: the empty record after a final line break is what tells a
  // finished last line from one that was cut off.
  let lastRecordBlank = true;

  Papa.parse<string[]>(source, {
    delimiter,
    step: ({ data: record }, parser) => {
      lastRecordBlank = isBlankRecord(record);
      // Blank lines are skipped, as spreadsheets do.
      if (lastRecordBlank) return;
      // The header plus maxRows rows are kept; one more says there are more.
      if (records.length > maxRows) {
        stoppedEarly = true;
        parser.abort();
        return;
      }
      records.push(record);
    },
  });
  if (options.textWasCut && !stoppedEarly && !lastRecordBlank) records.pop();

  const [header = [], ...rows] = records;
  return { header, rows, delimiter, moreRows: stoppedEarly || Boolean(options.textWasCut) };
}
