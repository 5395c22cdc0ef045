import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { createSqliteStore } from "../../server/store/sqlite-store";

const mode = (file: string) => statSync(file).mode & 0o777;
const directories: string[] = [];

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("the SQLite store's files on the host", () => {
  it("are readable by the server's own user only: the database, its WAL and shared-memory files (0600)", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "store-modes-"));
    directories.push(directory);
    const file = path.join(directory, "data", "platform.sqlite");
    const store = createSqliteStore({ file });
    // A write makes SQLite create the WAL and shared-memory files.
    await store.createUser({ type: "guest" });
    expect([mode(file), mode(`${file}-wal`), mode(`${file}-shm`)]).toEqual([0o600, 0o600, 0o600]);
    expect(mode(path.dirname(file))).toBe(0o700);
    await store.close();
  });

  it("narrows a database an older version left world-readable", async () => {
    const directory = mkdtempSync(path.join(tmpdir(), "store-modes-"));
    directories.push(directory);
    const file = path.join(directory, "platform.sqlite");
    const first = createSqliteStore({ file });
    await first.createUser({ type: "guest" });
    await first.close();
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, "");
    chmodSync(`${file}-wal`, 0o644);
    const again = createSqliteStore({ file });
    expect([mode(file), mode(`${file}-wal`)]).toEqual([0o600, 0o600]);
    await again.close();
  });
});
