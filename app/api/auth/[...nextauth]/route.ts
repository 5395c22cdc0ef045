import { handlers } from "@/app/(auth)/auth";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

export const { GET, POST } = handlers;

export const { PUT, PATCH, DELETE } = methodsOtherThan("GET", "POST");
