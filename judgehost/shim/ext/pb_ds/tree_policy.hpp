// floorjudge: tree_order_statistics_node_update lives with the tree.
#pragma once
#include <ext/pb_ds/assoc_container.hpp>
