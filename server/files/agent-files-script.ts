/**
 * The program that touches an agent's files, run inside the user's workspace with `python3 -I -S
 * -c SCRIPT op agent_dir ...`. It runs there (not on the host) because the files live on the
 * workspace's volume, and symlinks can only be resolved where they exist. Every value arrives as
 * argv, never through a shell. Python is in the workspace image, and one fixed program is easier
 * to review than a chain of coreutils calls.
 *
 * Protocol:
 * - Refusals go to stderr as one JSON line {"code", "message"}, exit status 3. Other failures: exit 1.
 * - list/delete/write answer one JSON document on stdout.
 * - read/zip first write one JSON header line, then the raw bytes.
 * - write reads frames from stdin: a 4-byte big-endian length then that many bytes; a zero length
 *   ends the file. A stream that stops without it (a cancelled upload) is discarded, never saved
 *   half-written.
 */
export const AGENT_FILES_SCRIPT = String.raw`
import json, os, stat, sys, time

# Only what every operation needs is imported up front: each request starts a fresh interpreter.

# Folders that are big, machine-made and of no use to a person browsing the agent's work.
HEAVY = {"node_modules", "__pycache__", ".git", ".venv", "venv", ".ipynb_checkpoints", ".cache",
         ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", "site-packages"}
# Already compressed: deflating them again only costs the workspace's CPU.
STORED = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".zip", ".gz", ".tgz", ".bz2", ".xz",
          ".7z", ".zst", ".mp3", ".mp4", ".mov", ".webm", ".pdf", ".docx", ".xlsx", ".pptx", ".parquet"}
CHUNK = 65536
UPLOAD_PREFIX = ".upload-"

class Refusal(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message

def inside(root, path):
    return path == root or path.startswith(root + "/")

def agent_root(agent_dir, create):
    if create:
        os.makedirs(agent_dir, exist_ok=True)
    try:
        st = os.lstat(agent_dir)
    except FileNotFoundError:
        raise Refusal("not_found", "This agent has no files yet.")
    # The folder itself replaced by a link would make every check below pass for anything.
    if not stat.S_ISDIR(st.st_mode) or os.path.realpath(agent_dir) != agent_dir:
        raise Refusal("bad_request", "The agent's folder has been replaced by a link, so it can't be opened safely.")
    return agent_dir

def check_rel(rel):
    parts = rel.split("/") if rel else []
    if rel.startswith("/") or "\0" in rel or any(p in ("", ".", "..") for p in parts):
        raise Refusal("bad_request", "This path is not allowed.")
    return parts

def resolve(root, rel):
    check_rel(rel)
    real = os.path.realpath(os.path.join(root, rel)) if rel else root
    if not inside(root, real):
        raise Refusal("bad_request", "This path leads outside the agent's folder.")
    return real

def split_parent(root, rel):
    parts = check_rel(rel)
    if not parts:
        raise Refusal("bad_request", "Say which file you mean.")
    return resolve(root, "/".join(parts[:-1])), parts[-1]

def printable(name):
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        # Not valid UTF-8 on disk: it could not round-trip through the browser.
        return False

def entry(rel, st):
    if stat.S_ISLNK(st.st_mode):
        kind, size = "symlink", 0
    elif stat.S_ISDIR(st.st_mode):
        kind, size = "directory", 0
    elif stat.S_ISREG(st.st_mode):
        kind, size = "file", st.st_size
    else:
        return None
    return [rel, kind, size, int(st.st_mtime * 1000), ""]

def op_list(agent_dir, rel, hidden, max_entries, max_per_folder):
    root = agent_root(agent_dir, True)
    start = resolve(root, rel)
    if not os.path.isdir(start):
        raise Refusal("bad_request", "This is a file, not a folder.")
    from collections import deque
    entries, folders, truncated = [], {}, False
    queue = deque([(start, rel)])
    while queue and not truncated:
        folder, folder_rel = queue.popleft()
        try:
            with os.scandir(folder) as found:
                children = sorted(found, key=lambda e: e.name)
        except OSError:
            continue
        listed = 0
        for child in children:
            if (hidden != "1" and child.name.startswith(".")) or not printable(child.name):
                continue
            if len(entries) >= max_entries:
                truncated = True
                break
            if listed >= max_per_folder:
                if folder_rel:
                    folders[folder_rel][4] = "truncated"
                else:
                    truncated = True
                break
            try:
                st = child.stat(follow_symlinks=False)
            except OSError:
                continue
            child_rel = folder_rel + "/" + child.name if folder_rel else child.name
            item = entry(child_rel, st)
            if item is None:
                continue
            listed += 1
            entries.append(item)
            if item[1] == "directory":
                if child.name in HEAVY:
                    item[4] = "skipped"
                else:
                    folders[child_rel] = item
                    queue.append((child.path, child_rel))
    json.dump({"entries": entries, "truncated": truncated}, sys.stdout, separators=(",", ":"))

def open_regular(path):
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise Refusal("not_found", "This file doesn't exist (any more).")
    if stat.S_ISDIR(st.st_mode):
        raise Refusal("bad_request", "This is a folder, not a file.")
    if not stat.S_ISREG(st.st_mode):
        raise Refusal("bad_request", "This is not a regular file.")
    # O_NOFOLLOW and O_NONBLOCK: a link or a pipe swapped in since the check can neither escape nor hang us.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Refusal("bad_request", "This is not a regular file.")
    return fd, st

def op_read(agent_dir, rel, max_bytes):
    root = agent_root(agent_dir, False)
    fd, st = open_regular(resolve(root, rel))
    limit = st.st_size if max_bytes < 0 else min(st.st_size, max_bytes)
    out = sys.stdout.buffer
    out.write((json.dumps({"size": st.st_size, "modifiedAt": int(st.st_mtime * 1000), "length": limit}) + "\n").encode())
    remaining = limit
    while remaining > 0:
        data = os.read(fd, min(CHUNK, remaining))
        if not data:
            # Shrunk while being sent: fail so the download is not mistaken for complete.
            sys.exit(1)
        out.write(data)
        remaining -= len(data)
    out.flush()

def read_exact(stream, n):
    data = stream.read(n)
    return data if data is not None else b""

def op_write(agent_dir, rel, max_bytes):
    import struct
    root = agent_root(agent_dir, True)
    parent, name = split_parent(root, rel)
    if os.path.lexists(parent) and not os.path.isdir(parent):
        raise Refusal("bad_request", "A file is in the way: one of the folders in this path is a file.")
    os.makedirs(parent, exist_ok=True)
    dest = os.path.join(parent, name)
    if os.path.isdir(dest) and not os.path.islink(dest):
        raise Refusal("conflict", "A folder with this name already exists.")
    for old in os.listdir(parent):
        if old.startswith(UPLOAD_PREFIX) and old.endswith(".part"):
            try:
                if time.time() - os.lstat(os.path.join(parent, old)).st_mtime > 86400:
                    os.unlink(os.path.join(parent, old))
            except OSError:
                pass
    temp = os.path.join(parent, UPLOAD_PREFIX + os.urandom(8).hex() + ".part")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        stream, total = sys.stdin.buffer, 0
        while True:
            header = read_exact(stream, 4)
            if len(header) < 4:
                raise Refusal("bad_request", "The upload was interrupted before it finished.")
            (n,) = struct.unpack(">I", header)
            if n == 0:
                break
            data = read_exact(stream, n)
            if len(data) < n:
                raise Refusal("bad_request", "The upload was interrupted before it finished.")
            total += n
            if total > max_bytes:
                raise Refusal("payload_too_large", "The file is larger than uploads allow.")
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        os.close(fd)
        fd = -1
        os.replace(temp, dest)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    json.dump({"entry": entry(rel, os.lstat(dest))}, sys.stdout, separators=(",", ":"))

def op_delete(agent_dir, rel):
    import shutil
    root = agent_root(agent_dir, False)
    parent, name = split_parent(root, rel)
    target = os.path.join(parent, name)
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        raise Refusal("not_found", "This file doesn't exist (any more).")
    # A link is removed itself; rmtree never follows links inside the folder either.
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(target)
    else:
        os.unlink(target)
    json.dump({"deleted": rel}, sys.stdout)

def zip_time(mtime):
    t = time.gmtime(max(315532800, min(mtime, 4354819199)))
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)

def op_zip(agent_dir, rel, hidden, max_bytes, max_files):
    import shutil, zipfile
    root = agent_root(agent_dir, False)
    base = resolve(root, rel)
    if not os.path.isdir(base):
        raise Refusal("bad_request", "This is a file, not a folder.")
    keep = lambda name: (hidden == "1" or not name.startswith(".")) and printable(name)
    files, empty_dirs, total = [], [], 0
    for folder, dirs, names in os.walk(base):
        dirs[:] = sorted(d for d in dirs if keep(d) and d not in HEAVY and not os.path.islink(os.path.join(folder, d)))
        folder_rel = os.path.relpath(folder, base)
        prefix = "" if folder_rel == "." else folder_rel + "/"
        wanted = []
        for name in sorted(names):
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if keep(name) and stat.S_ISREG(st.st_mode):
                wanted.append((path, prefix + name))
                total += st.st_size
        files.extend(wanted)
        if not wanted and not dirs and prefix:
            empty_dirs.append(prefix)
        if total > max_bytes or len(files) > max_files:
            raise Refusal("payload_too_large", "This folder is too large to download as one zip. Download its files or subfolders instead.")
    out = sys.stdout.buffer
    out.write((json.dumps({"files": len(files), "bytes": total}) + "\n").encode())
    # A pipe cannot seek, so zipfile writes data descriptors: the archive streams as it is built.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for prefix in empty_dirs:
            archive.writestr(zipfile.ZipInfo(prefix, zip_time(time.time())), b"")
        for path, arcname in files:
            try:
                fd, st = open_regular(path)
            except (Refusal, OSError):
                continue
            info = zipfile.ZipInfo(arcname, zip_time(st.st_mtime))
            info.external_attr = (st.st_mode & 0xFFFF) << 16
            info.file_size = st.st_size
            info.compress_type = zipfile.ZIP_STORED if os.path.splitext(arcname)[1].lower() in STORED else zipfile.ZIP_DEFLATED
            with os.fdopen(fd, "rb") as source, archive.open(info, "w", force_zip64=st.st_size > 0x7FFFFFFF) as target:
                shutil.copyfileobj(source, target, CHUNK)
    out.flush()

def main(argv):
    op, args = argv[0], argv[1:]
    if op == "list":
        op_list(args[0], args[1], args[2], int(args[3]), int(args[4]))
    elif op == "read":
        op_read(args[0], args[1], int(args[2]))
    elif op == "write":
        op_write(args[0], args[1], int(args[2]))
    elif op == "delete":
        op_delete(args[0], args[1])
    elif op == "zip":
        op_zip(args[0], args[1], args[2], int(args[3]), int(args[4]))
    else:
        raise Refusal("bad_request", "Unknown file operation.")

try:
    main(sys.argv[1:])
except Refusal as refusal:
    sys.stderr.write(json.dumps({"code": refusal.code, "message": refusal.message}) + "\n")
    sys.exit(3)
except BrokenPipeError:
    # The server stopped reading (the person cancelled the download).
    os._exit(1)
`;

export type AgentFilesOperation = "list" | "read" | "write" | "delete" | "zip";

/** The argv that runs one operation; -I -S: an agent's own json.py or sitecustomize can't hijack it. */
export function agentFilesCommand(operation: AgentFilesOperation, agentDir: string, ...args: (string | number)[]): string[] {
  return ["python3", "-I", "-S", "-c", AGENT_FILES_SCRIPT, operation, agentDir, ...args.map(String)];
}

/** Exit status of a refusal; its JSON line is on stderr. */
export const REFUSAL_EXIT_CODE = 3;
