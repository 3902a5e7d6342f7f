import type { LoaderFunctionArgs } from "@remix-run/node";
import { ssuResponse } from "~/server/catalogue/responses.server";
import { typologiesLifeEvents } from "~/server/catalogue/ssu.server";
import { db } from "~/server/runtime.server";

export async function loader({ request }: LoaderFunctionArgs) {
  const q = new URL(request.url).searchParams;
  const answer = await typologiesLifeEvents(db(), {
    typology: q.get("typology"),
    lifeevent: q.get("lifeevent"),
    municipality: q.get("municipality"),
  });
  return ssuResponse(request, answer);
}
