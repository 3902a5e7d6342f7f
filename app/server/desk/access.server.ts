import { can } from "~/domain/policy";
import { type CurrentUser, requireUser } from "../auth/session.server";
import { agencyIdsOf } from "./agency.server";
import { deskIdsOf } from "./worklist.server";

/**
 * Route guards of the desk and agency areas: anonymous users go to the login page; signed-in users without
 * the role get 403 (the area exists but is not theirs); a pratica outside their scope is a 404 elsewhere.
 */
export const forbidden = () => new Response("Forbidden", { status: 403, statusText: "Forbidden" });
export const notFound = () => new Response("Not found", { status: 404, statusText: "Not Found" });

export async function requireDeskStaff(request: Request): Promise<{ user: CurrentUser; deskId: number }> {
  const user = await requireUser(request);
  const desks = deskIdsOf(user.principal);
  const wanted = Number(new URL(request.url).searchParams.get("desk"));
  const deskId = desks.includes(wanted) ? wanted : desks[0];
  if (deskId === undefined || !can(user.principal, { type: "desk.worklist", deskId })) throw forbidden();
  return { user, deskId };
}

export async function requireDeskManager(request: Request): Promise<{ user: CurrentUser; deskId: number }> {
  const user = await requireUser(request);
  const deskId = deskIdsOf(user.principal).find((d) =>
    can(user.principal, { type: "desk.dashboard", deskId: d }),
  );
  if (deskId === undefined) throw forbidden();
  return { user, deskId };
}

export async function requireReviewer(request: Request): Promise<{ user: CurrentUser; agencyIds: number[] }> {
  const user = await requireUser(request);
  const agencyIds = agencyIdsOf(user.principal).filter((a) =>
    can(user.principal, { type: "agency.inbox", agencyId: a }),
  );
  if (!agencyIds.length) throw forbidden();
  return { user, agencyIds };
}
