/**
 * The permission policy: who may do what to which pratica. Pure: the caller loads the principal (the user's
 * memberships) and the pratica's references, and asks. Every route and the workflow engine go through it.
 */

import { coversPratica, type DelegationGrant, mayFileFor } from "./delegations";

export type Role = "business" | "association_operator" | "officer" | "manager" | "agency_reviewer" | "admin";

/** The kinds of actor a workflow event may come from (see workflows' eventActors). */
export type ActorKind = "applicant" | "officer" | "agency" | "system";

export interface Grant {
  role: Role;
  /** The desk (officer, manager), ente terzo (agency_reviewer) or organisation (association_operator). */
  entityId: number | null;
}

export interface Principal {
  userId: string;
  grants: Grant[];
  /** Businesses the user acts for directly (owner or member). */
  businessIds: string[];
  /** Delegations held by the user's organisations (in force or not: history decides what stays visible). */
  delegations?: DelegationGrant[];
  /** Today's date in Rome (ISO), against which delegations are judged. */
  today?: string;
  /** Who signed in and how (fiscal code, SPID/CIE level of assurance): named by the audit log and the receipt. */
  identity?: { fiscalCode: string | null; loa: number; method: string; authenticatedAt: string };
}

/** What the policy needs to know about a pratica. */
export interface PraticaRef {
  businessId: string;
  filerUserId: string;
  /** Organisation that filed it on the business's behalf, if any. */
  filerOrganisationId?: number | null;
  deskId: number;
  /** Enti terzi the pratica was forwarded to. */
  agencyIds: number[];
  /** Proceeding codes the pratica covers (delegation scopes are judged on them). */
  proceedings?: string[];
  /** ISO date (Rome) the pratica was filed; null for a draft (desk and agencies never see a draft). */
  filedOn?: string | null;
  /** The instant it was filed (ISO 8601), compared with a revocation's instant when both are known. */
  filedAt?: string | null;
}

export type Action =
  | { type: "admin.access" }
  | { type: "desk.worklist"; deskId: number }
  | { type: "desk.dashboard"; deskId: number }
  | { type: "agency.inbox"; agencyId: number }
  | { type: "organisation.workspace"; organisationId: number }
  | { type: "pratica.create"; businessId: string; proceedings?: string[] }
  | { type: "pratica.view"; pratica: PraticaRef }
  | { type: "pratica.event"; pratica: PraticaRef; allowedActors: ActorKind[] };

export const ROLE_LABEL_KEYS: Record<Role, string> = {
  business: "role.business",
  association_operator: "role.association_operator",
  officer: "role.officer",
  manager: "role.manager",
  agency_reviewer: "role.agency_reviewer",
  admin: "role.admin",
};

function has(principal: Principal, role: Role, entityId?: number | null) {
  return principal.grants.some((g) => g.role === role && (entityId === undefined || g.entityId === entityId));
}

function isDeskStaff(principal: Principal, deskId: number) {
  return has(principal, "officer", deskId) || has(principal, "manager", deskId);
}

function organisationsOf(principal: Principal): number[] {
  return principal.grants
    .filter((g) => g.role === "association_operator" && g.entityId !== null)
    .map((g) => g.entityId as number);
}

function today(principal: Principal) {
  return principal.today ?? new Date().toISOString().slice(0, 10);
}

/** A delegation in force now lets the organisation act for the business on these proceedings. */
function actsForBusinessViaDelegation(
  principal: Principal,
  businessId: string,
  proceedings: string[] | null,
) {
  return organisationsOf(principal).some((org) =>
    proceedings === null
      ? (principal.delegations ?? []).some(
          (d) =>
            d.organisationId === org &&
            d.businessId === businessId &&
            mayFileFor([d], org, businessId, d.scope ?? [], today(principal)),
        )
      : mayFileFor(principal.delegations ?? [], org, businessId, proceedings, today(principal)) !== null,
  );
}

/**
 * Sight without action: an organisation keeps seeing what it filed, and what the business filed while a
 * delegation covering it was in force; nothing filed after the delegation ended.
 */
function seesViaOrganisation(principal: Principal, pratica: PraticaRef) {
  const orgs = organisationsOf(principal);
  if (pratica.filerOrganisationId != null && orgs.includes(pratica.filerOrganisationId)) return true;
  return orgs.some((org) =>
    coversPratica(
      principal.delegations ?? [],
      org,
      pratica.businessId,
      pratica.proceedings ?? [],
      pratica.filedOn ?? null,
      today(principal),
      pratica.filedAt ?? null,
    ),
  );
}

/** The actor kinds a principal has on a pratica: the same person may be several (rarely). */
export function actorKinds(principal: Principal, pratica: PraticaRef): ActorKind[] {
  const kinds: ActorKind[] = [];
  const applicant =
    principal.businessIds.includes(pratica.businessId) ||
    actsForBusinessViaDelegation(principal, pratica.businessId, pratica.proceedings ?? []);
  if (applicant) kinds.push("applicant");
  // An unsent draft belongs to the applicant alone: the desk and the agencies see a pratica once it is filed.
  if (pratica.filedOn === null) return kinds;
  if (isDeskStaff(principal, pratica.deskId)) kinds.push("officer");
  if (pratica.agencyIds.some((a) => has(principal, "agency_reviewer", a))) kinds.push("agency");
  return kinds;
}

export function can(principal: Principal, action: Action): boolean {
  switch (action.type) {
    case "admin.access":
      return has(principal, "admin");
    case "desk.worklist":
      return isDeskStaff(principal, action.deskId);
    case "desk.dashboard":
      return has(principal, "manager", action.deskId);
    case "agency.inbox":
      return has(principal, "agency_reviewer", action.agencyId);
    case "organisation.workspace":
      return has(principal, "association_operator", action.organisationId);
    case "pratica.create":
      return (
        principal.businessIds.includes(action.businessId) ||
        actsForBusinessViaDelegation(principal, action.businessId, action.proceedings ?? null)
      );
    case "pratica.view":
      return (
        actorKinds(principal, action.pratica).length > 0 || seesViaOrganisation(principal, action.pratica)
      );
    case "pratica.event": {
      const kinds = actorKinds(principal, action.pratica);
      return action.allowedActors.some((a) => a !== "system" && kinds.includes(a));
    }
  }
}

/**
 * Where a user lands after login: desk staff on the worklist, agency reviewers on their inbox, everyone else
 * (businesses, associations, administrators) in the personal area.
 */
export function homePathFor(principal: Principal): string {
  if (principal.grants.some((g) => (g.role === "officer" || g.role === "manager") && g.entityId !== null)) {
    return "/scrivania";
  }
  if (principal.grants.some((g) => g.role === "agency_reviewer" && g.entityId !== null)) return "/ente";
  if (principal.grants.some((g) => g.role === "association_operator" && g.entityId !== null))
    return "/associazione";
  return "/area-personale";
}

/** The workspaces a user can reach, for the header and the personal area (key = dictionary label). */
export function workspacesFor(principal: Principal): { path: string; label: string }[] {
  const out: { path: string; label: string }[] = [];
  if (principal.grants.some((g) => (g.role === "officer" || g.role === "manager") && g.entityId !== null)) {
    out.push({ path: "/scrivania", label: "shell.nav.desk" });
  }
  if (principal.grants.some((g) => g.role === "agency_reviewer" && g.entityId !== null)) {
    out.push({ path: "/ente", label: "shell.nav.agency" });
  }
  if (principal.grants.some((g) => g.role === "association_operator" && g.entityId !== null)) {
    out.push({ path: "/associazione", label: "shell.nav.organisation" });
  }
  if (principal.businessIds.length || principal.grants.some((g) => g.role === "business")) {
    out.push({ path: "/pratiche", label: "shell.nav.mine" });
  }
  return out;
}
