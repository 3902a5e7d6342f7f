import { type ActionFunctionArgs, redirect } from "@remix-run/node";
import { destroySession, getSession, readForm } from "~/server/auth/session.server";

export async function action({ request }: ActionFunctionArgs) {
  await readForm(request);
  const session = await getSession(request);
  return redirect("/", { headers: { "Set-Cookie": await destroySession(session) } });
}

export function loader() {
  return redirect("/");
}
