import { PassThrough, type Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { z } from "zod";

import { AppError } from "../../lib/errors";
import { mentionsFullDisk, workspaceFullMessage } from "../../lib/workspace-disk";
import type { WorkspaceHandle, WorkspaceProcess, WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { REFUSAL_EXIT_CODE } from "./agent-files-script";

/**
 * Runs the files program (agent-files-script.ts) in a workspace. Always through spawn, never exec:
 * exec decodes output as UTF-8 text, and file contents are bytes.
 */

const MAX_STDERR_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;

// The program's refusals are the only errors whose words reach the person; everything else is a 500.
const refusalSchema = z.object({
  code: z.enum(["bad_request", "not_found", "payload_too_large", "conflict"]),
  message: z.string().min(1).max(500),
});

interface Collected {
  /** Settles once the stream ended; the bytes up to the limit. */
  done: Promise<Buffer>;
  overflowed: () => boolean;
}

function collect(stream: Readable, maxBytes: number): Collected {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  stream.on("data", (chunk: Buffer) => {
    if (size + chunk.length > maxBytes) overflow = true;
    if (size < maxBytes) chunks.push(chunk.subarray(0, maxBytes - size));
    size += chunk.length;
  });
  const done = finished(stream).then(
    () => Buffer.concat(chunks),
    () => Buffer.concat(chunks),
  );
  return { done, overflowed: () => overflow };
}

/** The error a finished run stands for: a refusal with its sentence, a full disk, or an internal failure. */
async function failureOf(exit: { exitCode: number | null; error?: Error }, stderr: Collected, what: string, runtime: WorkspaceRuntime): Promise<Error> {
  const text = (await stderr.done).toString("utf8");
  if (mentionsFullDisk(text)) return new AppError("workspace_full", workspaceFullMessage(await runtime.diskLimitBytes().catch(() => null)));
  if (exit.exitCode === REFUSAL_EXIT_CODE) {
    const lastLine = text.trim().split("\n").at(-1) ?? "";
    try {
      const refusal = refusalSchema.parse(JSON.parse(lastLine));
      return new AppError(refusal.code, refusal.message);
    } catch {
      // Fall through: a refusal we cannot read is an internal failure.
    }
  }
  return new Error(`${what} failed in the workspace (exit ${exit.exitCode ?? "unknown"}): ${text.trim().slice(-2_000) || exit.error?.message || "no output"}`, {
    cause: exit.error,
  });
}

export interface FileCommandInput {
  /** Bytes for the program's stdin; the caller writes them and ends stdin. */
  feed?: (process: WorkspaceProcess) => Promise<void>;
  maxOutputBytes: number;
  timeoutMs: number;
  /** For error messages and logs, e.g. "listing the files". */
  what: string;
}

/** Runs the program to completion and returns its stdout; a refusal throws its AppError. */
export async function runFileCommand(runtime: WorkspaceRuntime, workspace: WorkspaceHandle, argv: string[], input: FileCommandInput): Promise<Buffer> {
  const child = runtime.spawn(workspace, argv);
  const stdout = collect(child.stdout, input.maxOutputBytes);
  const stderr = collect(child.stderr, MAX_STDERR_BYTES);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, input.timeoutMs);
  try {
    if (input.feed) await input.feed(child);
    else child.stdin.end();
    const exit = await child.exited;
    if (timedOut) throw new AppError("workspace_unavailable", `Your workspace took too long ${input.what}. Try again in a moment.`);
    if (exit.exitCode !== 0) throw await failureOf(exit, stderr, input.what, runtime);
    if (stdout.overflowed()) throw new Error(`${input.what}: the workspace answered more than ${input.maxOutputBytes} bytes`);
    return await stdout.done;
  } finally {
    clearTimeout(timer);
    // Whatever went wrong on our side, nothing is left running in the workspace.
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

export interface StreamedFileCommand {
  /** The JSON line the program writes before the bytes. */
  header: unknown;
  /** The bytes after it. Ends only if the program succeeded; errors otherwise, so a cut download is never mistaken for a whole one. */
  body: Readable;
}

/**
 * Starts the program and waits for its header line, so a refusal (missing file, path outside the
 * folder) becomes an HTTP error before any byte of the response is sent.
 */
export async function streamFileCommand(
  runtime: WorkspaceRuntime,
  workspace: WorkspaceHandle,
  argv: string[],
  options: { headerTimeoutMs: number; what: string },
): Promise<StreamedFileCommand> {
  const child = runtime.spawn(workspace, argv);
  child.stdin.end();
  const stderr = collect(child.stderr, MAX_STDERR_BYTES);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.headerTimeoutMs);
  let headerLine: string | null;
  try {
    headerLine = await readHeaderLine(child.stdout);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (headerLine === null) {
    const exit = await child.exited;
    if (timedOut) throw new AppError("workspace_unavailable", `Your workspace took too long ${options.what}. Try again in a moment.`);
    throw await failureOf(exit.exitCode === 0 ? { ...exit, exitCode: null } : exit, stderr, options.what, runtime);
  }
  let header: unknown;
  try {
    header = JSON.parse(headerLine);
  } catch {
    child.kill("SIGKILL");
    throw new Error(`${options.what}: the workspace answered an unreadable header`);
  }

  const body = new PassThrough();
  child.stdout.pipe(body, { end: false });
  let settled = false;
  void Promise.all([child.exited, finished(child.stdout).catch(() => undefined)]).then(async ([exit]) => {
    settled = true;
    if (exit.exitCode === 0) body.end();
    else body.destroy(await failureOf(exit, stderr, options.what, runtime));
  });
  // The person cancelled the download: stop the program rather than let it run to the end.
  body.on("close", () => {
    if (!settled) child.kill("SIGKILL");
  });
  return { header, body };
}

/** Reads up to the first newline; what follows stays in the stream. Null when it ended first. */
function readHeaderLine(stream: Readable): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const cleanup = () => {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(0x0a);
      if (newline >= 0) {
        // Pause before unshifting: a flowing stream without listeners would drop the bytes.
        stream.pause();
        cleanup();
        const rest = buffered.subarray(newline + 1);
        if (rest.length > 0) stream.unshift(rest);
        resolve(buffered.subarray(0, newline).toString("utf8"));
      } else if (buffered.length > MAX_HEADER_BYTES) {
        cleanup();
        reject(new Error("the workspace answered a header that is too long"));
      }
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    stream.on("data", onData);
    stream.once("end", onEnd);
    stream.once("error", onError);
  });
}

/**
 * Writes to a process's stdin, waiting while it is full. False once the process has ended (it
 * refused early, or died): the caller should stop sending.
 */
export async function writeToProcess(child: WorkspaceProcess, chunk: Uint8Array): Promise<boolean> {
  if (child.exitCode !== null) return false;
  if (child.stdin.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const done = () => {
      child.stdin.off("drain", done);
      resolve();
    };
    child.stdin.on("drain", done);
    void child.exited.then(done);
  });
  return child.exitCode === null;
}
