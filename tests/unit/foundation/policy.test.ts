import { describe, expect, it } from "vitest";
import {
  actorKinds,
  can,
  homePathFor,
  workspacesFor,
  type Principal,
  type PraticaRef,
} from "~/domain/policy";

const DESK = 10;
const OTHER_DESK = 11;
const ASL = 20;
const VVF = 21;
const ORG = 30;

const pratica: PraticaRef = {
  businessId: "biz-1",
  filerUserId: "u-owner",
  filerOrganisationId: null,
  deskId: DESK,
  agencyIds: [ASL],
};

const owner: Principal = {
  userId: "u-owner",
  grants: [{ role: "business", entityId: null }],
  businessIds: ["biz-1"],
};
const stranger: Principal = {
  userId: "u-x",
  grants: [{ role: "business", entityId: null }],
  businessIds: ["biz-2"],
};
const officer: Principal = {
  userId: "u-off",
  grants: [{ role: "officer", entityId: DESK }],
  businessIds: [],
};
const otherOfficer: Principal = {
  userId: "u-off2",
  grants: [{ role: "officer", entityId: OTHER_DESK }],
  businessIds: [],
};
const manager: Principal = {
  userId: "u-man",
  grants: [{ role: "manager", entityId: DESK }],
  businessIds: [],
};
const asl: Principal = {
  userId: "u-asl",
  grants: [{ role: "agency_reviewer", entityId: ASL }],
  businessIds: [],
};
const vvf: Principal = {
  userId: "u-vvf",
  grants: [{ role: "agency_reviewer", entityId: VVF }],
  businessIds: [],
};
const admin: Principal = { userId: "u-adm", grants: [{ role: "admin", entityId: null }], businessIds: [] };
const delegation = {
  id: "d-1",
  organisationId: ORG,
  businessId: "biz-1",
  scope: null,
  validFrom: "2026-01-01",
  validTo: "2026-12-31",
  revokedOn: null,
};
const operator: Principal = {
  userId: "u-op",
  grants: [{ role: "association_operator", entityId: ORG }],
  businessIds: [],
  delegations: [delegation],
  today: "2026-06-01",
};
const operatorNoDelegation: Principal = { ...operator, delegations: [] };

describe("permission policy", () => {
  it("lets each party see the pratica it has a part in, and nobody else", () => {
    const view = (p: Principal) => can(p, { type: "pratica.view", pratica });
    expect(view(owner)).toBe(true);
    expect(view(officer)).toBe(true);
    expect(view(manager)).toBe(true);
    expect(view(asl)).toBe(true);
    expect(view(operator)).toBe(true);
    expect(view(stranger)).toBe(false);
    expect(view(otherOfficer)).toBe(false);
    expect(view(vvf)).toBe(false);
    expect(view(operatorNoDelegation)).toBe(false);
    // Administration is not a licence to read case files.
    expect(view(admin)).toBe(false);
  });

  it("keeps an organisation's sight of what it filed after the delegation ends, but not its hand", () => {
    const filedByOrg = { ...pratica, filerOrganisationId: ORG, filedOn: "2026-03-01" };
    expect(can(operatorNoDelegation, { type: "pratica.view", pratica: filedByOrg })).toBe(true);
    const act = {
      type: "pratica.event" as const,
      pratica: filedByOrg,
      allowedActors: ["applicant" as const],
    };
    expect(can(operatorNoDelegation, act)).toBe(false);
    expect(can(operator, act)).toBe(true);
  });

  it("shows what the business filed while the delegation was in force, nothing filed after it ended", () => {
    const ended: Principal = { ...operator, today: "2027-02-01" };
    const during = { ...pratica, filedOn: "2026-05-10" };
    const after = { ...pratica, filedOn: "2027-01-15" };
    expect(can(ended, { type: "pratica.view", pratica: during })).toBe(true);
    expect(can(ended, { type: "pratica.view", pratica: after })).toBe(false);
    expect(can(ended, { type: "pratica.create", businessId: "biz-1" })).toBe(false);
    const revoked: Principal = { ...operator, delegations: [{ ...delegation, revokedOn: "2026-05-01" }] };
    expect(can(revoked, { type: "pratica.view", pratica: { ...pratica, filedOn: "2026-04-30" } })).toBe(true);
    // Filed on the day of the revocation: still in sight (dates carry no time of day); the day after: not.
    expect(can(revoked, { type: "pratica.view", pratica: { ...pratica, filedOn: "2026-05-01" } })).toBe(true);
    expect(can(revoked, { type: "pratica.view", pratica: { ...pratica, filedOn: "2026-05-02" } })).toBe(
      false,
    );
    expect(can(revoked, { type: "pratica.create", businessId: "biz-1" })).toBe(false);
  });

  it("compares a revocation's instant with the filing instant: filed later the same day is out of sight", () => {
    const revokedAt = "2026-05-01T08:00:00.000Z"; // 10:00 in Rome
    const revoked: Principal = {
      ...operator,
      today: "2026-05-01",
      delegations: [{ ...delegation, revokedOn: "2026-05-01", revokedAt }],
    };
    const filed = (filedAt: string) => ({ ...pratica, filedOn: "2026-05-01", filedAt });
    expect(can(revoked, { type: "pratica.view", pratica: filed("2026-05-01T07:59:59.000Z") })).toBe(true);
    expect(can(revoked, { type: "pratica.view", pratica: filed("2026-05-01T08:00:00.000Z") })).toBe(false);
    expect(can(revoked, { type: "pratica.view", pratica: filed("2026-05-01T15:00:00.000Z") })).toBe(false);
  });

  it("keeps an unsent draft from the desk and the agencies, whatever their role", () => {
    const draft = { ...pratica, filedOn: null, filedAt: null };
    expect(can(owner, { type: "pratica.view", pratica: draft })).toBe(true);
    for (const p of [officer, manager, asl]) {
      expect(can(p, { type: "pratica.view", pratica: draft })).toBe(false);
      expect(actorKinds(p, draft)).toEqual([]);
    }
    const filed = { ...pratica, filedOn: "2026-05-01", filedAt: "2026-05-01T08:00:00.000Z" };
    expect(can(officer, { type: "pratica.view", pratica: filed })).toBe(true);
  });

  it("limits a delegation to its scope of proceedings", () => {
    const scoped: Principal = { ...operator, delegations: [{ ...delegation, scope: ["VICINATO_APERTURA"] }] };
    expect(
      can(scoped, { type: "pratica.create", businessId: "biz-1", proceedings: ["VICINATO_APERTURA"] }),
    ).toBe(true);
    expect(
      can(scoped, { type: "pratica.create", businessId: "biz-1", proceedings: ["SOMMINISTRAZIONE"] }),
    ).toBe(false);
    const outOfScope = { ...pratica, proceedings: ["SOMMINISTRAZIONE"], filedOn: "2026-05-01" };
    expect(can(scoped, { type: "pratica.view", pratica: outOfScope })).toBe(false);
  });

  it("allows an event only to the actor kinds the workflow names", () => {
    const officerOnly = { type: "pratica.event" as const, pratica, allowedActors: ["officer" as const] };
    expect(can(officer, officerOnly)).toBe(true);
    expect(can(owner, officerOnly)).toBe(false);
    expect(can(asl, officerOnly)).toBe(false);
    const applicantOnly = { type: "pratica.event" as const, pratica, allowedActors: ["applicant" as const] };
    expect(can(owner, applicantOnly)).toBe(true);
    expect(can(officer, applicantOnly)).toBe(false);
    const agencyOnly = { type: "pratica.event" as const, pratica, allowedActors: ["agency" as const] };
    expect(can(asl, agencyOnly)).toBe(true);
    expect(can(vvf, agencyOnly)).toBe(false);
  });

  it("never lets a person send a system event (timers)", () => {
    for (const p of [owner, officer, manager, asl, admin, operator]) {
      expect(can(p, { type: "pratica.event", pratica, allowedActors: ["system"] })).toBe(false);
    }
  });

  it("scopes workspaces by entity", () => {
    expect(can(officer, { type: "desk.worklist", deskId: DESK })).toBe(true);
    expect(can(officer, { type: "desk.worklist", deskId: OTHER_DESK })).toBe(false);
    expect(can(officer, { type: "desk.dashboard", deskId: DESK })).toBe(false);
    expect(can(manager, { type: "desk.dashboard", deskId: DESK })).toBe(true);
    expect(can(asl, { type: "agency.inbox", agencyId: ASL })).toBe(true);
    expect(can(asl, { type: "agency.inbox", agencyId: VVF })).toBe(false);
    expect(can(operator, { type: "organisation.workspace", organisationId: ORG })).toBe(true);
    expect(can(owner, { type: "organisation.workspace", organisationId: ORG })).toBe(false);
    expect(can(admin, { type: "admin.access" })).toBe(true);
    expect(can(manager, { type: "admin.access" })).toBe(false);
  });

  it("lets a business file only for itself or through a valid delegation", () => {
    expect(can(owner, { type: "pratica.create", businessId: "biz-1" })).toBe(true);
    expect(can(owner, { type: "pratica.create", businessId: "biz-2" })).toBe(false);
    expect(can(operator, { type: "pratica.create", businessId: "biz-1" })).toBe(true);
    expect(can(operatorNoDelegation, { type: "pratica.create", businessId: "biz-1" })).toBe(false);
  });

  it("names every actor kind a principal holds on a pratica", () => {
    const both: Principal = {
      userId: "u-both",
      grants: [
        { role: "officer", entityId: DESK },
        { role: "business", entityId: null },
      ],
      businessIds: ["biz-1"],
    };
    expect(actorKinds(both, pratica).sort()).toEqual(["applicant", "officer"]);
    expect(actorKinds(stranger, pratica)).toEqual([]);
  });
});

describe("home path after login", () => {
  it("sends desk staff to the worklist, reviewers to their inbox, operators to their workspace", () => {
    expect(homePathFor(officer)).toBe("/scrivania");
    expect(homePathFor(manager)).toBe("/scrivania");
    expect(homePathFor(asl)).toBe("/ente");
    expect(homePathFor(owner)).toBe("/area-personale");
    expect(homePathFor(operator)).toBe("/associazione");
    expect(homePathFor(admin)).toBe("/area-personale");
  });

  it("lists each role's workspaces for the header", () => {
    expect(workspacesFor(officer).map((w) => w.path)).toEqual(["/scrivania"]);
    expect(workspacesFor(operator).map((w) => w.path)).toEqual(["/associazione"]);
    expect(workspacesFor(owner).map((w) => w.path)).toEqual(["/pratiche"]);
    expect(workspacesFor(admin).map((w) => w.path)).toEqual([]);
  });

  it("keeps the desk first for someone who is both officer and reviewer", () => {
    const both: Principal = { ...officer, grants: [...asl.grants, ...officer.grants] };
    expect(homePathFor(both)).toBe("/scrivania");
  });
});
