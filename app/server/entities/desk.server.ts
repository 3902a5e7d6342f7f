import { type Kysely, sql } from "kysely";
import type { Database } from "../db/schema.server";
import { once } from "../http/request-scope.server";

/**
 * Who this portal is: the desk's name and PEC and the Comuni it serves, read from the entities the seed (or an
 * administrator) wrote. Pages, mail and PDFs take these names from here, never from literal strings, so another
 * SUAP reusing the portal changes its data, not the code.
 */
export interface DeskIdentity {
  code: string;
  /** the desk's legal name ("SUAP Associato ...") */
  name: string;
  /** how the portal names itself in titles and the header ("SUAP ..."); the name when not set */
  site: string;
  /** who runs the desk (the Unione, the Comune); the name when not set */
  owner: string;
  pec: string | null;
  comuni: { code: string; name: string; istat: string | null }[];
}

const FALLBACK: DeskIdentity = { code: "", name: "SUAP", site: "SUAP", owner: "SUAP", pec: null, comuni: [] };

/** The desk identity, read once per HTTP request (the root loader and the page's loader share it). */
export function deskIdentityFor(request: Request, db: Kysely<Database>): Promise<DeskIdentity> {
  return once(request, "desk-identity", () => loadDeskIdentity(db));
}

export async function loadDeskIdentity(db: Kysely<Database>): Promise<DeskIdentity> {
  // One statement (every page's root loader asks it): the desk and the Comuni it serves.
  const desk = await db
    .selectFrom("entities")
    .select(["id", "code", "name", "pec", "data"])
    .select(
      sql<{ code: string; name: string; istat_code: string | null }[]>`coalesce((
        select json_agg(json_build_object('code', c.code, 'name', c.name, 'istat_code', c.istat_code)
                        order by c.name)
          from desk_comuni dc join entities c on c.id = dc.comune_id
         where dc.desk_id = entities.id), '[]'::json)`.as("comuni"),
    )
    .where("kind", "=", "suap")
    .orderBy("id")
    .executeTakeFirst();
  if (!desk) return FALLBACK;
  const comuni = (typeof desk.comuni === "string" ? JSON.parse(desk.comuni) : desk.comuni) as {
    code: string;
    name: string;
    istat_code: string | null;
  }[];
  const data = (desk.data ?? {}) as { site?: unknown; owner?: unknown };
  return {
    code: desk.code,
    name: desk.name,
    site: typeof data.site === "string" && data.site ? data.site : desk.name,
    owner: typeof data.owner === "string" && data.owner ? data.owner : desk.name,
    pec: desk.pec,
    comuni: comuni.map((c) => ({ code: c.code, name: c.name, istat: c.istat_code })),
  };
}
