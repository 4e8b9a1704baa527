#include <stdio.h>
int main(void)
{
    puts("pawl " PAWL_VERSION);
    return 0;
}
