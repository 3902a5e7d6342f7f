import { type Kysely, sql } from "kysely";
import type { Database } from "~/server/db/schema.server";

/**
 * A busy desk, seeded set-based (generate_series, not the engine): 20,000 businesses and `n` pratiche of the
 * demo desk SUAP-AVC over its five Comuni (Volterra and Pomarance busiest), statuses skewed to open work, due
 * dates spread over a year around `today`, a quarter assigned to the demo officer. Inserted in chunks so a
 * 2,000,000-row seed does not hold one huge transaction.
 */
export async function seedBusyDesk(db: Kysely<Database>, n: number, today: string) {
  const desk = await db
    .selectFrom("entities")
    .select("id")
    .where("code", "=", "SUAP-AVC")
    .executeTakeFirstOrThrow();
  const officer = await db
    .selectFrom("users")
    .select("id")
    .where("email", "=", "operatore@demo.test")
    .executeTakeFirstOrThrow();
  const filer = await db
    .selectFrom("users")
    .select("id")
    .where("email", "=", "impresa@demo.test")
    .executeTakeFirstOrThrow();
  const catalogue = await db
    .insertInto("catalogue_versions")
    .values({
      catalogue_id: "BENCH",
      version: "0.0.0",
      content_hash: "sha256:bench",
      document: JSON.stringify({}),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await sql`
    insert into businesses (id, name, legal_form, fiscal_code, registered_office, legal_representative)
    select gen_random_uuid(),
           (array['Bar','Forno','Bottega','Ristorante','Agriturismo','Parrucchiera','Alimentari','Trattoria','Officina','Pizzeria'])[1 + i % 10]
             || ' ' || (array['Rossi','Bianchi','Etrusco','Del Borgo','Bellini','Conti','Marchetti','Volterrana','La Rocca','Gori','Pieri','Lari'])[1 + (i / 10) % 12]
             || ' ' || i,
           'SRL', 'BNC' || lpad(i::text, 13, '0'), '{}'::jsonb, '{}'::jsonb
      from generate_series(1, 20000) as i`.execute(db);
  const CHUNK = 250_000;
  for (let from = 1; from <= n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK - 1);
    await sql`
      with b as (select array_agg(id order by fiscal_code) as ids from businesses),
           c as (select array_agg(e.id order by e.code) as ids from desk_comuni dc join entities e on e.id = dc.comune_id where dc.desk_id = ${desk.id})
      insert into pratiche (id, cui, catalogue_version_id, usecases, title, regime, municipality_id, desk_id, business_id,
                            filer_user_id, status, ended, suspended, due_date, assignee_user_id, protocol_number, submitted_at)
      select gen_random_uuid(),
             'CUI-' || i,
             ${catalogue.id},
             '["BENCH"]'::jsonb,
             (array['Apertura esercizio di vicinato','Subingresso','Somministrazione zona tutelata','Notifica sanitaria','Acconciatori','Agriturismo'])[1 + i % 6],
             (array['scia','scia','scia_unica','autorizzazione','silenzio_assenso','comunicazione'])[1 + i % 6],
             c.ids[1 + (case when i % 10 < 4 then 4 when i % 10 < 7 then 3 else i % 3 end)],
             ${desk.id},
             b.ids[1 + (i::int8 * 7919) % array_length(b.ids, 1)],
             ${filer.id},
             s.status,
             s.status in ('effective','granted','denied','archived'),
             s.status in ('integration_requested','refusal_notice'),
             case when s.status in ('effective','granted','denied','archived') then null
                  else (${today}::date + ((i * 37) % 400 - 120)) end,
             case when i % 4 = 0 then ${officer.id}::uuid else null end,
             'SUAP-AVC/2026/' || lpad(i::text, 7, '0'),
             now() - ((i % 365) || ' days')::interval
        from generate_series(${from}::int, ${to}::int) as i
        cross join b cross join c
        cross join lateral (select (array['in_review','in_review','in_review','awaiting_opinions','integration_requested',
                                           'correction_requested','refusal_notice','effective','granted','denied','archived','draft'])[1 + (i * 13) % 12] as status) s`.execute(
      db,
    );
  }
  await sql`analyze`.execute(db);
  return { deskId: desk.id, officerId: officer.id };
}
