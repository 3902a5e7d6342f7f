import net from "node:net";

/**
 * A small IMAP4rev1 server (RFC 3501, the subset a client such as imapflow uses to read a mailbox): CAPABILITY,
 * LOGIN, LIST, SELECT/EXAMINE, UID SEARCH/FETCH/STORE (also without UID), NOOP, CLOSE, LOGOUT. One INBOX per
 * user, messages kept in memory. Used by the PEC provider double on loopback; never in production.
 */

export interface StoredMessage {
  uid: number;
  raw: Buffer;
  flags: Set<string>;
  internalDate: Date;
}

export interface ImapMailbox {
  uidValidity: number;
  nextUid: number;
  messages: StoredMessage[];
}

export interface ImapBackend {
  authenticate(user: string, password: string): boolean;
  mailbox(user: string): ImapMailbox;
}

export interface ImapServerHandle {
  port: number;
  close(): Promise<void>;
}

type Token = string | Token[];

/** Splits an IMAP command's arguments into atoms, quoted strings, literals (already read) and lists. */
function tokenize(input: string, literals: Buffer[]): Token[] {
  let i = 0;
  const parseList = (end: string | null): Token[] => {
    const out: Token[] = [];
    while (i < input.length) {
      const c = input[i]!;
      if (c === " ") {
        i++;
        continue;
      }
      if (end && c === end) {
        i++;
        return out;
      }
      if (c === "(" || c === "[") {
        i++;
        out.push(parseList(c === "(" ? ")" : "]"));
        continue;
      }
      if (c === '"') {
        i++;
        let s = "";
        while (i < input.length && input[i] !== '"') {
          if (input[i] === "\\") i++;
          s += input[i];
          i++;
        }
        i++;
        out.push(s);
        continue;
      }
      if (c === "\u0000") {
        // A literal placeholder: \0<index>\0
        const close = input.indexOf("\u0000", i + 1);
        out.push(literals[Number(input.slice(i + 1, close))]!.toString("utf8"));
        i = close + 1;
        continue;
      }
      let s = "";
      while (i < input.length && !" ()[]".includes(input[i]!)) s += input[i++];
      // BODY.PEEK[] and BODY[...]: keep the section with its atom.
      if (input[i] === "[") {
        const close = input.indexOf("]", i);
        s += input.slice(i, close + 1);
        i = close + 1;
        while (i < input.length && !" ()".includes(input[i]!)) s += input[i++];
      }
      out.push(s);
    }
    return out;
  };
  return parseList(null);
}

/** A sequence set ("1:*", "2,4:6") against a list of numbers, * being the highest. */
function inSet(set: string, n: number, max: number) {
  return set.split(",").some((part) => {
    const [a, b] = part.split(":");
    const lo = a === "*" ? max : Number(a);
    const hi = b === undefined ? lo : b === "*" ? max : Number(b);
    return n >= Math.min(lo, hi) && n <= Math.max(lo, hi);
  });
}

const quote = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

function imapDate(d: Date) {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}-${months[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function startImapServer(
  backend: ImapBackend,
  opts: { host?: string; port?: number } = {},
): Promise<ImapServerHandle> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let user: string | null = null;
    let selected: ImapMailbox | null = null;
    let buffer = Buffer.alloc(0);
    let pending: { line: string; literals: Buffer[]; need: number } | null = null;
    const send = (s: string | Buffer) => socket.write(s);
    send("* OK [CAPABILITY IMAP4rev1] PEC provider double ready\r\n");

    const flagList = (m: StoredMessage) => `(${[...m.flags].join(" ")})`;
    const messagesIn = (set: string, byUid: boolean) => {
      if (!selected) return [];
      const all = selected.messages;
      const max = byUid ? (all.at(-1)?.uid ?? 0) : all.length;
      return all
        .map((m, i) => ({ m, seq: i + 1 }))
        .filter(({ m, seq }) => inSet(set, byUid ? m.uid : seq, max));
    };

    const fetch = (tag: string, set: string, items: Token, byUid: boolean) => {
      const wanted = (Array.isArray(items) ? items : [items]).map((t) => String(t).toUpperCase());
      const names = wanted.flatMap((w) =>
        w === "ALL"
          ? ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]
          : w === "FAST"
            ? ["FLAGS", "RFC822.SIZE"]
            : [w],
      );
      if (byUid && !names.includes("UID")) names.unshift("UID");
      for (const { m, seq } of messagesIn(set, byUid)) {
        const parts: (string | Buffer)[] = [];
        for (const name of names) {
          if (name === "UID") parts.push(`UID ${m.uid}`);
          else if (name === "FLAGS") parts.push(`FLAGS ${flagList(m)}`);
          else if (name === "INTERNALDATE") parts.push(`INTERNALDATE ${quote(imapDate(m.internalDate))}`);
          else if (name === "RFC822.SIZE") parts.push(`RFC822.SIZE ${m.raw.length}`);
          else if (/^(BODY(\.PEEK)?\[\]|RFC822)$/.test(name)) {
            if (!name.includes("PEEK")) m.flags.add("\\Seen");
            const label = name.startsWith("RFC822") ? "RFC822" : "BODY[]";
            parts.push(Buffer.concat([Buffer.from(`${label} {${m.raw.length}}\r\n`), m.raw]));
          } else if (/^BODY(\.PEEK)?\[HEADER(\.FIELDS.*)?\]$/.test(name)) {
            const end = m.raw.indexOf("\r\n\r\n");
            const header = end < 0 ? m.raw : m.raw.subarray(0, end + 4);
            parts.push(Buffer.concat([Buffer.from(`BODY[HEADER] {${header.length}}\r\n`), header]));
          }
        }
        const chunks: Buffer[] = [Buffer.from(`* ${seq} FETCH (`)];
        parts.forEach((p, i) => {
          if (i) chunks.push(Buffer.from(" "));
          chunks.push(Buffer.isBuffer(p) ? p : Buffer.from(p));
        });
        chunks.push(Buffer.from(")\r\n"));
        send(Buffer.concat(chunks));
      }
      send(`${tag} OK FETCH completed\r\n`);
    };

    const search = (tag: string, criteria: Token[], byUid: boolean) => {
      if (!selected) return send(`${tag} NO No mailbox selected\r\n`);
      const words = criteria.map((c) => String(c).toUpperCase());
      const hits = selected.messages
        .map((m, i) => ({ m, seq: i + 1 }))
        .filter(({ m }) => {
          if (words.includes("UNSEEN") && m.flags.has("\\Seen")) return false;
          if (words.includes("SEEN") && !m.flags.has("\\Seen")) return false;
          const uidAt = words.indexOf("UID");
          if (uidAt >= 0 && !inSet(words[uidAt + 1]!, m.uid, selected!.messages.at(-1)?.uid ?? 0))
            return false;
          return true;
        })
        .map(({ m, seq }) => (byUid ? m.uid : seq));
      send(`* SEARCH${hits.length ? ` ${hits.join(" ")}` : ""}\r\n`);
      send(`${tag} OK SEARCH completed\r\n`);
    };

    const store = (tag: string, set: string, op: string, flags: Token, byUid: boolean) => {
      const list = (Array.isArray(flags) ? flags : [flags]).map(String);
      const silent = op.toUpperCase().endsWith(".SILENT");
      for (const { m, seq } of messagesIn(set, byUid)) {
        if (op.startsWith("+")) for (const f of list) m.flags.add(f);
        else if (op.startsWith("-")) for (const f of list) m.flags.delete(f);
        else m.flags = new Set(list);
        if (!silent) send(`* ${seq} FETCH (${byUid ? `UID ${m.uid} ` : ""}FLAGS ${flagList(m)})\r\n`);
      }
      send(`${tag} OK STORE completed\r\n`);
    };

    const run = (line: string, literals: Buffer[]) => {
      const tokens = tokenize(line, literals);
      const tag = String(tokens[0] ?? "*");
      const command = String(tokens[1] ?? "").toUpperCase();
      const args = tokens.slice(2);
      switch (command) {
        case "CAPABILITY":
          send("* CAPABILITY IMAP4rev1\r\n");
          return send(`${tag} OK CAPABILITY completed\r\n`);
        case "NOOP":
        case "CHECK":
          if (selected) send(`* ${selected.messages.length} EXISTS\r\n`);
          return send(`${tag} OK ${command} completed\r\n`);
        case "LOGIN": {
          const [u, p] = args.map(String);
          if (!u || !p || !backend.authenticate(u, p))
            return send(`${tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n`);
          user = u;
          return send(`${tag} OK [CAPABILITY IMAP4rev1] LOGIN completed\r\n`);
        }
        case "LOGOUT":
          send("* BYE Logging out\r\n");
          send(`${tag} OK LOGOUT completed\r\n`);
          return socket.end();
      }
      if (!user) return send(`${tag} NO Not authenticated\r\n`);
      switch (command) {
        case "LIST":
        case "LSUB":
          if (String(args[1] ?? "") !== "") send(`* ${command} (\\HasNoChildren) "/" INBOX\r\n`);
          else send(`* ${command} (\\Noselect) "/" ""\r\n`);
          return send(`${tag} OK ${command} completed\r\n`);
        case "SELECT":
        case "EXAMINE": {
          if (String(args[0] ?? "").toUpperCase() !== "INBOX") return send(`${tag} NO No such mailbox\r\n`);
          selected = backend.mailbox(user);
          const unseen = selected.messages.findIndex((m) => !m.flags.has("\\Seen"));
          send("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n");
          send(`* ${selected.messages.length} EXISTS\r\n`);
          send("* 0 RECENT\r\n");
          if (unseen >= 0) send(`* OK [UNSEEN ${unseen + 1}] First unseen\r\n`);
          send(`* OK [UIDVALIDITY ${selected.uidValidity}] UIDs valid\r\n`);
          send(`* OK [UIDNEXT ${selected.nextUid}] Predicted next UID\r\n`);
          send("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)] Limited\r\n");
          return send(
            `${tag} OK [${command === "SELECT" ? "READ-WRITE" : "READ-ONLY"}] ${command} completed\r\n`,
          );
        }
        case "STATUS": {
          const box = backend.mailbox(user);
          const unseen = box.messages.filter((m) => !m.flags.has("\\Seen")).length;
          send(
            `* STATUS INBOX (MESSAGES ${box.messages.length} UIDNEXT ${box.nextUid} UIDVALIDITY ${box.uidValidity} UNSEEN ${unseen})\r\n`,
          );
          return send(`${tag} OK STATUS completed\r\n`);
        }
        case "CLOSE":
        case "UNSELECT":
          selected = null;
          return send(`${tag} OK ${command} completed\r\n`);
        case "FETCH":
          return fetch(tag, String(args[0]), args[1] ?? [], false);
        case "SEARCH":
          return search(tag, args as Token[], false);
        case "STORE":
          return store(tag, String(args[0]), String(args[1]), args[2] ?? [], false);
        case "UID": {
          const sub = String(args[0] ?? "").toUpperCase();
          if (sub === "FETCH") return fetch(tag, String(args[1]), args[2] ?? [], true);
          if (sub === "SEARCH") return search(tag, args.slice(1) as Token[], true);
          if (sub === "STORE") return store(tag, String(args[1]), String(args[2]), args[3] ?? [], true);
          return send(`${tag} BAD Unsupported UID command\r\n`);
        }
        default:
          return send(`${tag} BAD Unsupported command\r\n`);
      }
    };

    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (pending && pending.need > 0) {
          if (buffer.length < pending.need) return;
          pending.literals.push(buffer.subarray(0, pending.need));
          pending.line += `\u0000${pending.literals.length - 1}\u0000`;
          buffer = buffer.subarray(pending.need);
          pending.need = 0;
        }
        const eol = buffer.indexOf("\r\n");
        if (eol < 0) return;
        const text = buffer.subarray(0, eol).toString("utf8");
        buffer = buffer.subarray(eol + 2);
        const current = pending ?? { line: "", literals: [], need: 0 };
        const literal = /\{(\d+)(\+?)\}$/.exec(text);
        if (literal) {
          current.line += text.slice(0, literal.index);
          current.need = Number(literal[1]);
          pending = current;
          if (!literal[2]) send("+ Ready for literal data\r\n");
          continue;
        }
        current.line += text;
        pending = null;
        try {
          run(current.line, current.literals);
        } catch {
          send("* BAD Internal error\r\n");
        }
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
