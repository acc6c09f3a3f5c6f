# FP_CC_FLAG(FLAG, VARIABLE): append FLAG to VARIABLE when $CC accepts it.
AC_DEFUN([FP_CC_FLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  fp_save_CFLAGS=$CFLAGS
  CFLAGS="$CFLAGS -Werror $1"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes]); $2="$$2 $1"],
    [AC_MSG_RESULT([no])])
  CFLAGS=$fp_save_CFLAGS
])
