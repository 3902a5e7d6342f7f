import type { LoaderFunctionArgs } from "@remix-run/node";
import { ssuResponse } from "~/server/catalogue/responses.server";
import { suapForMunicipality } from "~/server/catalogue/ssu.server";
import { db } from "~/server/runtime.server";

export async function loader({ request, params }: LoaderFunctionArgs) {
  return ssuResponse(request, await suapForMunicipality(db(), params.municipality ?? ""));
}
