/* rubrics.h - internal: the built-in judge rubrics, generated from the files in rubrics/. */
#ifndef PAWL_RUBRICS_H
#define PAWL_RUBRICS_H

struct pawl_rubric {
    const char *name; /* the file's base name: correctness, faithfulness, ... */
    const char *text; /* the template */
};

/* Sorted as the files were globbed; ends with {NULL, NULL}. */
extern const struct pawl_rubric pawl_rubrics[];
/* Their names, NULL-terminated. */
extern const char *const pawl_rubric_name_list[];

#endif
