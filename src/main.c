/* Placeholder until the command line lands. */
#include <stdio.h>

int main(void)
{
    fputs("kvaudit: not built yet\n", stderr);
    return 2;
}
