import type { LoaderFunctionArgs } from "@remix-run/node";
import { catalogueCsvResponse } from "~/server/catalogue/responses.server";
import { db } from "~/server/runtime.server";

export const loader = ({ request }: LoaderFunctionArgs) => catalogueCsvResponse(db(), request);
