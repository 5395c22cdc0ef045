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

/**
 * RFC 4180 parsing (quoted fields, doubled quotes, line breaks inside quotes, CRLF or LF) of at
 * most `maxRows` data rows. `textWasCut`: the text is only the start of the file, so its last
 * line may be incomplete and is dropped.
 */
export function parseCsv(text: string, options: { maxRows?: number; delimiter?: string; textWasCut?: boolean } = {}): CsvTable {
  const maxRows = options.maxRows ?? 200;
  const source = text.startsWith("\ufeff") ? text.slice(1) : text;
  const delimiter = options.delimiter ?? detectDelimiter(source);
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let index = 0;
  let stoppedEarly = false;

  const endRecord = () => {
    record.push(field);
    field = "";
    // Blank lines are skipped, as spreadsheets do.
    if (!(record.length === 1 && record[0] === "")) records.push(record);
    record = [];
  };

  while (index < source.length) {
    const character = source[index]!;
    if (quoted) {
      if (character === '"') {
        if (source[index + 1] === '"') {
          field += '"';
          index += 1;
        } else quoted = false;
      } else field += character;
    } else if (character === '"' && field === "") quoted = true;
    else if (character === delimiter) {
      record.push(field);
      field = "";
    } else if (character === "\n" || character === "\r") {
      if (character === "\r" && source[index + 1] === "\n") index += 1;
      endRecord();
      // The header plus maxRows rows: stop, and say whether anything but blank lines follows.
      if (records.length > maxRows) {
        stoppedEarly = source.slice(index + 1).trim() !== "";
        break;
      }
    } else field += character;
    index += 1;
  }
  const endedMidRecord = index >= source.length && (field !== "" || record.length > 0 || quoted);
  if (endedMidRecord && !options.textWasCut) endRecord();

  const [header = [], ...rows] = records;
  return {
    header,
    rows: rows.slice(0, maxRows),
    delimiter,
    moreRows: stoppedEarly || Boolean(options.textWasCut),
  };
}
