# Dijkstra with heapq on a 300x300 grid graph.
import heapq
n = 300
w = [[(i * 7 + j * 13) % 10 + 1 for j in range(n)] for i in range(n)]
dist = [[1 << 60] * n for _ in range(n)]
dist[0][0] = w[0][0]
pq = [(w[0][0], 0, 0)]
while pq:
    d, i, j = heapq.heappop(pq)
    if d > dist[i][j]:
        continue
    for a, b in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
        if 0 <= a < n and 0 <= b < n and d + w[a][b] < dist[a][b]:
            dist[a][b] = d + w[a][b]
            heapq.heappush(pq, (dist[a][b], a, b))
print(dist[n - 1][n - 1])
