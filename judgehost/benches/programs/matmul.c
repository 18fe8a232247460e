/* CPU-heavy benchmark: dense matrix multiplication with doubles. */
#include <stdio.h>
#define N 640
static double a[N][N], b[N][N], c[N][N];
int main(void) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) { a[i][j] = (i * 31 + j) % 17; b[i][j] = (i + j * 7) % 13; }
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                double x = a[i][k];
                for (int j = 0; j < N; j++) c[i][j] += x * b[k][j];
            }
    double s = 0;
    for (int i = 0; i < N; i++) s += c[i][i];
    printf("%.0f\n", s);
    return 0;
}
