import type { LoaderFunctionArgs } from "@remix-run/node";
import { ssuResponse } from "~/server/catalogue/responses.server";
import { competentAdministration } from "~/server/catalogue/ssu.server";
import { db } from "~/server/runtime.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  const answer = await competentAdministration(
    db(),
    params.id ?? "",
    params.version ?? "",
    params.municipality ?? "",
  );
  return ssuResponse(request, answer);
}
