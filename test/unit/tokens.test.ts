// The local issuer remembers tokens whose signature it verified; a remembered token is still judged on every claim at every request.
import { describe, expect, it } from "vitest";
import { memoryIssuer } from "../../infra/local/tokens";

describe("verified tokens, remembered", () => {
  it("refuses a remembered token from the second of its expiry, and forgets it", async () => {
    const issuer = await memoryIssuer();
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await issuer.mint({ sub: "ada" }, { issuedAt, expiresInSeconds: 60 });
    const at = (seconds: number) => new Date((issuedAt + seconds) * 1000);

    expect((await issuer.verify(token, at(1))).sub).toBe("ada");
    expect((await issuer.verify(token, at(59))).sub).toBe("ada");
    await expect(issuer.verify(token, at(60))).rejects.toThrow(/exp/);
    await expect(issuer.verify(token, at(120))).rejects.toThrow(/exp/);
  });

  it("never accepts a token another key signed, or one with a changed payload, because one like it was accepted", async () => {
    const [mine, other] = await Promise.all([memoryIssuer(), memoryIssuer()]);
    const token = await mine.mint({ sub: "ada" });
    expect((await mine.verify(token)).sub).toBe("ada");
    await expect(other.verify(token)).rejects.toThrow();

    const [header, payload, signature] = token.split(".");
    const forged = JSON.parse(Buffer.from(payload!, "base64url").toString());
    forged.sub = "admin";
    await expect(
      mine.verify([header, Buffer.from(JSON.stringify(forged)).toString("base64url"), signature].join(".")),
    ).rejects.toThrow();
  });

  it("judges the audience on every request, and answers a copy the caller cannot change", async () => {
    const issuer = await memoryIssuer();
    const wrong = await issuer.mint({ sub: "ada" }, { audience: "someone-else" });
    await expect(issuer.verify(wrong)).rejects.toThrow(/aud/);
    await expect(issuer.verify(wrong)).rejects.toThrow(/aud/);

    const token = await issuer.mint({ sub: "ada" });
    const first = await issuer.verify(token);
    first.sub = "mallory";
    expect((await issuer.verify(token)).sub).toBe("ada");
  });
});
