// The HDF5 C API as regime's HDF5 module sees it. Macros that Swift cannot import
// (they expand to library globals behind H5open, or to casts) are exposed as
// static inline functions. Nothing outside Sources/HDF5 imports this module.
#ifndef REGIME_CHDF5_SHIM_H
#define REGIME_CHDF5_SHIM_H

#include <hdf5.h>
#include <hdf5_hl.h>

/// Keeps HDF5 from registering its exit handler (Library.initialize says
/// why): H5dont_atexit must come before the library first initializes, and
/// the shims below that name library globals initialize it (H5OPEN), so each
/// calls this first. Calling it again later is harmless.
static inline void regime_H5_prepare(void) {
    static int prepared = 0;
    if (!prepared) {
        H5dont_atexit();
        prepared = 1;
    }
}

static inline hid_t regime_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t regime_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t regime_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hsize_t regime_H5S_UNLIMITED(void) { return H5S_UNLIMITED; }

static inline unsigned regime_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned regime_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline unsigned regime_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned regime_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }

static inline hid_t regime_H5P_FILE_ACCESS(void) { regime_H5_prepare(); return H5P_FILE_ACCESS; }
static inline hid_t regime_H5P_FILE_CREATE(void) { regime_H5_prepare(); return H5P_FILE_CREATE; }
static inline hid_t regime_H5P_DATASET_CREATE(void) { regime_H5_prepare(); return H5P_DATASET_CREATE; }
static inline hid_t regime_H5P_DATASET_ACCESS(void) { regime_H5_prepare(); return H5P_DATASET_ACCESS; }
static inline hid_t regime_H5P_LINK_CREATE(void) { regime_H5_prepare(); return H5P_LINK_CREATE; }
static inline hid_t regime_H5P_ATTRIBUTE_CREATE(void) { regime_H5_prepare(); return H5P_ATTRIBUTE_CREATE; }
static inline hid_t regime_H5P_GROUP_CREATE(void) { regime_H5_prepare(); return H5P_GROUP_CREATE; }

static inline hid_t regime_H5T_NATIVE_DOUBLE(void) { regime_H5_prepare(); return H5T_NATIVE_DOUBLE; }
static inline hid_t regime_H5T_NATIVE_FLOAT(void) { regime_H5_prepare(); return H5T_NATIVE_FLOAT; }
static inline hid_t regime_H5T_NATIVE_INT64(void) { regime_H5_prepare(); return H5T_NATIVE_INT64; }
static inline hid_t regime_H5T_NATIVE_INT32(void) { regime_H5_prepare(); return H5T_NATIVE_INT32; }
static inline hid_t regime_H5T_NATIVE_UINT8(void) { regime_H5_prepare(); return H5T_NATIVE_UINT8; }
static inline hid_t regime_H5T_NATIVE_INT8(void) { regime_H5_prepare(); return H5T_NATIVE_INT8; }
static inline hid_t regime_H5T_C_S1(void) { regime_H5_prepare(); return H5T_C_S1; }
static inline hid_t regime_H5T_STD_REF_OBJ(void) { regime_H5_prepare(); return H5T_STD_REF_OBJ; }
static inline size_t regime_H5T_VARIABLE(void) { return H5T_VARIABLE; }

static inline unsigned regime_H5F_OBJ_ALL(void) { return H5F_OBJ_ALL; }
static inline unsigned regime_H5F_OBJ_LOCAL(void) { return H5F_OBJ_LOCAL; }

/// H5Fget_obj_count over every open file: the number of open identifiers of
/// the kinds in `types` (H5F_OBJ_* flags).
static inline ssize_t regime_open_object_count(unsigned types) {
    return H5Fget_obj_count((hid_t)H5F_OBJ_ALL, types);
}

#endif
