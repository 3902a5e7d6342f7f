import type { Migration } from "kysely";
import * as m0001 from "./0001_foundation";
import * as m0002 from "./0002_catalogue";
import * as m0003 from "./0003_pratiche";
import * as m0004 from "./0004_filing";
import * as m0005 from "./0005_desk";
import * as m0006 from "./0006_delegations";
import * as m0007 from "./0007_integrations";
import * as m0008 from "./0008_identity";
import * as m0009 from "./0009_hardening";
import * as m0010 from "./0010_payments";
import * as m0011 from "./0011_signatures";
import * as m0012 from "./0012_staff_identity";
import * as m0013 from "./0013_seal_queue";
import * as m0016 from "./0016_ssu";
import * as m0017 from "./0017_pec";
import * as m0018 from "./0018_protocol_register";
import * as m0021 from "./0021_ssu_flow";
import * as m0022 from "./0022_ssu_catalogue";
import * as m0024 from "./0024_pec_steps";
import * as m0026 from "./0026_desk_tallies";
import * as m0027 from "./0027_ssu_order_declarant";
import * as m0028 from "./0028_deferred_receipt";
import * as m0030 from "./0030_desk_clock_tallies";
import * as m0032 from "./0032_suspended_deadline_dates";
import * as m0034 from "./0034_moduli";

/**
 * Statically listed so the migrations are bundled into the server build (loading .ts files from disk at run
 * time fails under the built app). Append new migrations; never reorder or edit shipped ones.
 */
export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_catalogue": m0002,
  "0003_pratiche": m0003,
  "0004_filing": m0004,
  "0005_desk": m0005,
  "0006_delegations": m0006,
  "0007_integrations": m0007,
  "0008_identity": m0008,
  "0009_hardening": m0009,
  "0010_payments": m0010,
  "0011_signatures": m0011,
  "0012_staff_identity": m0012,
  "0013_seal_queue": m0013,
  "0016_ssu": m0016,
  "0017_pec": m0017,
  "0018_protocol_register": m0018,
  "0021_ssu_flow": m0021,
  "0022_ssu_catalogue": m0022,
  "0024_pec_steps": m0024,
  "0026_desk_tallies": m0026,
  "0027_ssu_order_declarant": m0027,
  "0028_deferred_receipt": m0028,
  "0030_desk_clock_tallies": m0030,
  "0032_suspended_deadline_dates": m0032,
  "0034_moduli": m0034,
};
