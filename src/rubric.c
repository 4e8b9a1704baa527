#include <string.h>

#include "pawl/config.h"
#include "rubrics.h"

const char *pawl_rubric_builtin(const char *name)
{
    size_t i;

    for (i = 0; pawl_rubrics[i].name; i++)
        if (strcmp(pawl_rubrics[i].name, name) == 0)
            return pawl_rubrics[i].text;
    return NULL;
}

const char *const *pawl_rubric_names(void)
{
    return pawl_rubric_name_list;
}
