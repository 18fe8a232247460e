/* CPU-heavy benchmark: our own quicksort of pseudo-random integers (not the
   C library's qsort, which differs between glibc and wasi-libc). */
#include <stdio.h>
#define N 4000000
static unsigned a[N];
static void sort(unsigned *v, long lo, long hi) {
    while (hi - lo > 16) {
        unsigned p = v[lo + (hi - lo) / 2];
        long i = lo, j = hi - 1;
        while (i <= j) {
            while (v[i] < p) i++;
            while (v[j] > p) j--;
            if (i <= j) { unsigned t = v[i]; v[i] = v[j]; v[j] = t; i++; j--; }
        }
        if (j - lo < hi - i) { sort(v, lo, j + 1); lo = i; } else { sort(v, i, hi); hi = j + 1; }
    }
    for (long i = lo + 1; i < hi; i++) {
        unsigned x = v[i]; long k = i - 1;
        while (k >= lo && v[k] > x) { v[k + 1] = v[k]; k--; }
        v[k + 1] = x;
    }
}
int main(void) {
    unsigned long long check = 0, s = 1;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) { s = s * 6364136223846793005ULL + 1; a[i] = (unsigned)(s >> 32); }
        sort(a, 0, N);
        for (int i = 0; i < N; i += 1000) check += a[i];
    }
    printf("%llu\n", check);
    return 0;
}
