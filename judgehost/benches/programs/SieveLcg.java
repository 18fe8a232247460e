// The Java twin of sieve_lcg.c (smaller): a sieve plus an LCG walk, with a
// checksum printed so neither can be optimised away.
public class SieveLcg {
    public static void main(String[] args) {
        final int n = 10_000_000;
        boolean[] composite = new boolean[n + 1];
        long check = 0;
        for (int round = 0; round < 2; round++) {
            java.util.Arrays.fill(composite, false);
            for (long i = 2; i * i <= n; i++)
                if (!composite[(int) i])
                    for (long j = i * i; j <= n; j += i) composite[(int) j] = true;
            for (int i = 2; i <= n; i++)
                if (!composite[i]) check += i;
        }
        long x = 12345;
        for (long i = 0; i < 200_000_000L; i++) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            check ^= x >>> 33;
        }
        System.out.println(check);
    }
}
