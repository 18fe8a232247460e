/* CPU-heavy benchmark: a sieve of Eratosthenes plus a linear congruential
   generator walk. Prints a checksum so neither can be optimised away. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define N 20000000
static unsigned char composite[N + 1];
int main(void) {
    unsigned long long check = 0;
    for (int round = 0; round < 3; round++) {
        memset(composite, 0, sizeof composite);
        for (long i = 2; i * i <= N; i++)
            if (!composite[i])
                for (long j = i * i; j <= N; j += i) composite[j] = 1;
        for (long i = 2; i <= N; i++)
            if (!composite[i]) check += (unsigned long long)i;
    }
    unsigned long long x = 12345;
    for (long i = 0; i < 300000000L; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        check ^= x >> 33;
    }
    printf("%llu\n", check);
    return 0;
}
