import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The custom server owns the process; these packages run only there and in route handlers.
  serverExternalPackages: ["dockerode", "ssh2", "cpu-features", "firebase-admin", "pino", "pino-pretty", "@anthropic-ai/claude-agent-sdk"],
  typedRoutes: false,
};

export default nextConfig;
