import type { Metadata } from "next";
import { LinkRevoked } from "@/components/share/link-revoked";

export const metadata: Metadata = { title: "Link not available", robots: { index: false } };

export default function SharedLinkNotFound() {
  return <LinkRevoked />;
}
