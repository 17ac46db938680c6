import assert from "node:assert/strict";
import {
  fileSystemType,
  fileSystemWarning,
  fsyncLatencyMicros,
} from "../../src/journal/storage_checks.ts";
import { withTempHome } from "../_temp_home.ts";

Deno.test("fileSystemWarning() flags tmpfs, NFS, SMB and FUSE, and nothing on a local disk", () => {
  assert.match(fileSystemWarning("tmpfs")!, /lost at reboot/);
  assert.match(fileSystemWarning("nfs4")!, /flock and fsync/);
  assert.match(fileSystemWarning("cifs")!, /flock and fsync/);
  assert.match(fileSystemWarning("fuse.sshfs")!, /flock and fsync/);
  assert.equal(fileSystemWarning("ext4"), undefined);
  assert.equal(fileSystemWarning(undefined), undefined);
});

Deno.test("fileSystemType() finds the mount holding a path; fsync latency is measured there", async () => {
  await withTempHome(async (home) => {
    const type = await fileSystemType(home);
    assert.ok(type === undefined || /^[a-z0-9._]+$/.test(type), String(type));
    assert.equal(await fileSystemType("/proc/self"), type === undefined ? undefined : "proc");
    const micros = await fsyncLatencyMicros(home, 3);
    assert.ok(micros > 0);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(home))).length,
      0,
      "the probe file is removed",
    );
  });
});
