#include <stdio.h>
int main(void) { puts("limf"); return 0; }
