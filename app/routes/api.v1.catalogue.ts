import type { LoaderFunctionArgs } from "@remix-run/node";
import { catalogueJsonResponse } from "~/server/catalogue/responses.server";
import { db } from "~/server/runtime.server";

export const loader = ({ request }: LoaderFunctionArgs) => catalogueJsonResponse(db(), request);
